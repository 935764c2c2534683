"""Putting the web adapters in place, each when (and only if) its framework is imported.

Nothing here imports a framework: a post-import hook waits for the framework's module, then loads the small
module of this package that patches it. Hooks cannot be unregistered, so they act only while `_active` is set.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
from collections.abc import Mapping
from typing import Any, Protocol, cast

import wrapt

logger = logging.getLogger("ff_otel")

# The module a framework's patch waits for, and the module of this package that patches it.
_PATCHERS = {
    "django.conf": "ff_otel_instrument._django",
    "flask": "ff_otel_instrument._flask",
    "starlette.applications": "ff_otel_instrument._starlette",
}


class Patcher(Protocol):
    def patch(self, options: Mapping[str, Any]) -> None: ...

    def unpatch(self) -> None: ...


_lock = threading.Lock()
_active: dict[str, Any] | None = None
_hooks_registered = False


def start(options: Mapping[str, Any]) -> None:
    """Patch every framework imported already, and each of the others as soon as it is imported."""
    global _active, _hooks_registered
    with _lock:
        _active = dict(options)
        register = not _hooks_registered
        _hooks_registered = True
    for watched, patcher in _PATCHERS.items():
        if register:
            wrapt.register_post_import_hook(_on_import(patcher), watched)
        elif watched in sys.modules:
            _patch(patcher)


def stop() -> None:
    """Undo every patch; apps already set up keep their adapter."""
    global _active
    with _lock:
        _active = None
    for patcher in _PATCHERS.values():
        loaded = sys.modules.get(patcher)
        if loaded is not None:
            cast("Patcher", loaded).unpatch()


def _on_import(patcher: str) -> Any:
    def hook(_module: object) -> None:
        _patch(patcher)

    return hook


def _patch(patcher: str) -> None:
    options = _active
    if options is None:
        return
    try:
        # Importing the adapter can fail when the framework is there but the adapter's extra is not.
        cast("Patcher", importlib.import_module(patcher)).patch(options)
    except Exception:  # the application's own `import` of the framework must go on
        logger.warning("ff_otel could not put its adapter in place (%s)", patcher, exc_info=True)
