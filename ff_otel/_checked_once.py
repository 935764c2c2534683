"""A check of a long-lived callable (a view, a route's endpoint) made once per callable rather than per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MAX_CHECKED = 512


class CheckedOnce:
    """`check(function)`, remembered per function; at most 512 are kept (functions made per request start afresh).

    Usage: ``is_async_view = CheckedOnce(iscoroutinefunction)``, then ``is_async_view(view)`` per request.
    """

    __slots__ = ("_check", "_known")

    def __init__(self, check: Callable[[Any], bool]) -> None:
        self._check = check
        self._known: dict[object, bool] = {}

    def __call__(self, function: object) -> bool:
        try:
            known = self._known.get(function)
        except TypeError:  # an unhashable callable: asked every time
            return self._check(function)
        if known is None:
            if len(self._known) >= _MAX_CHECKED:
                self._known.clear()
            known = self._known[function] = self._check(function)
        return known
