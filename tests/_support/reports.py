"""ff-otel's process-wide "warn once" memory, reset between tests so that no test depends on which ran before it."""

from __future__ import annotations

from ff_otel._safe import forget_reports


def forget_warned_problems() -> None:
    """Forget which problems ff-otel already logged as a warning (`ff_otel._safe`'s set of reported problems).

    ff-otel logs each problem as a warning only the first time in a process; after this, the next occurrence of
    every problem is a warning again. No public API resets it: applications never need to.
    """
    forget_reports()
