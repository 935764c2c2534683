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
    """Log `problem` on the `ff_otel` logger: a warning the first time, debug after, so a hot path cannot flood.

    The warning names the exception's type and where it was raised, never its message: a session store's or a
    user lookup's message may carry a key or a token. The full exception is logged at DEBUG.
    """
    with _reported_lock:
        first = problem not in _reported and len(_reported) < 1000
        if first:
            _reported.add(problem)
    if first and logger.isEnabledFor(logging.WARNING):
        logger.warning(problem if error is None else f"{problem}: {_type_and_place(error)}")
    if error is not None and logger.isEnabledFor(logging.DEBUG):
        logger.debug(f"{problem}: {error!r}", exc_info=error)
    elif not first and logger.isEnabledFor(logging.DEBUG):
        logger.debug(problem)


def _type_and_place(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    traceback = error.__traceback__
    if traceback is None:
        return name
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    code = traceback.tb_frame.f_code
    return f"{name} in {code.co_name} ({code.co_filename}:{traceback.tb_lineno})"


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
