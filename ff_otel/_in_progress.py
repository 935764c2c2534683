"""Which OpenFeature evaluation is under way in this context, so no flag system records it a second time.

A vendor SDK used through its OpenFeature provider is seen twice when its own instrumentation is on too: once by
the vendor's hook inside the provider, once by ff-otel's OpenFeature hook. The OpenFeature record wins.
"""

from __future__ import annotations

import contextlib
import contextvars

_FLAG_KEY: contextvars.ContextVar[str | None] = contextvars.ContextVar("ff_otel_openfeature_flag", default=None)

tracking = False
"""Whether OpenFeature evaluations are being marked. Off until a vendor integration asks, so that an application
with none pays nothing for it on every evaluation."""


def track() -> None:
    """Start marking OpenFeature evaluations (called by the vendor integrations when they are set up)."""
    global tracking
    tracking = True


def enter(flag_key: str) -> contextvars.Token[str | None]:
    """Mark `flag_key` as being evaluated through OpenFeature until `leave(token)`."""
    return _FLAG_KEY.set(flag_key)


def leave(token: object) -> None:
    """End what `enter` began; a token from another context is ignored."""
    if isinstance(token, contextvars.Token):
        # ValueError: finished in another context than it started in, which ends with its own copy anyway.
        with contextlib.suppress(ValueError):
            _FLAG_KEY.reset(token)


def under_openfeature(flag_key: str) -> bool:
    """True while an OpenFeature evaluation of `flag_key` is under way in this context."""
    return _FLAG_KEY.get() == flag_key
