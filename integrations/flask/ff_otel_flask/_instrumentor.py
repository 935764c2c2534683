"""Living next to opentelemetry-instrumentation-flask, whichever of the two was set up first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import flask


def is_instrumented(app: flask.Flask) -> bool:
    """True when FlaskInstrumentor (`instrument()` or `instrument_app(app)`) traces this app."""
    return getattr(app, "_is_instrumented_by_opentelemetry", False) is True


class HookOrder:
    """Keeps ff-otel's request hooks after FlaskInstrumentor's in the app's hook lists.

    The instrumentor starts its span in a `before_request` hook and ends it in a `teardown_request` hook. Ours
    must see that span, and write the flag summary before it ends; Flask runs teardown hooks in reverse order,
    so in both lists ours belong after the instrumentor's. `instrument_app(app)` after `init_app(app)` puts them
    the other way round; the first request through the WSGI wrapper puts them right.
    """

    def __init__(self, before: Callable[..., Any], teardown: Callable[..., Any]) -> None:
        self._before = before
        self._teardown = teardown
        self._lock = threading.Lock()

    def ensure(self, app: flask.Flask) -> None:
        """Move our hooks right after the instrumentor's if they come before them."""
        theirs_before = getattr(app, "_before_request", None)
        theirs_teardown = getattr(app, "_teardown_request", None)
        if _follows(app.before_request_funcs, self._before, theirs_before) and _follows(
            app.teardown_request_funcs, self._teardown, theirs_teardown
        ):
            return
        with self._lock:
            _move_after(app.before_request_funcs, self._before, theirs_before)
            _move_after(app.teardown_request_funcs, self._teardown, theirs_teardown)


def _follows(registry: dict[Any, list[Any]], ours: object, theirs: object) -> bool:
    hooks = registry.get(None, [])
    if theirs is None or ours not in hooks or theirs not in hooks:
        return True
    return hooks.index(ours) > hooks.index(theirs)


def _move_after(registry: dict[Any, list[Any]], ours: object, theirs: object) -> None:
    if _follows(registry, ours, theirs):
        return
    hooks = [hook for hook in registry[None] if hook != ours]
    hooks.insert(hooks.index(theirs) + 1, ours)
    # A new list, so a request iterating the old one in another thread is not disturbed.
    registry[None] = hooks
