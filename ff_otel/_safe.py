"""ff-otel never breaks the application: errors inside it, or in user callbacks it calls, end here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

logger = logging.getLogger("ff_otel")

_P = ParamSpec("_P")
_T = TypeVar("_T")

_reported: set[str] = set()
_reported_lock = threading.Lock()


def report(problem: str, error: BaseException | None = None) -> None:
    """Log `problem` on the `ff_otel` logger: a warning the first time, debug after, so a hot path cannot flood."""
    with _reported_lock:
        first = problem not in _reported and len(_reported) < 1000
        if first:
            _reported.add(problem)
    level = logging.WARNING if first else logging.DEBUG
    if logger.isEnabledFor(level):
        logger.log(level, f"{problem}: {error!r}" if error is not None else problem, exc_info=error if first else None)


def call_safely(problem: str, function: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
    """`function(*args, **kwargs)`, or None after reporting `problem` if it raised."""
    try:
        return function(*args, **kwargs)
    except Exception as error:
        report(problem, error)
        return None


def forget_reports() -> None:
    """Log the next occurrence of every problem as if it were the first (for tests and re-installs)."""
    with _reported_lock:
        _reported.clear()
