"""Django: ff-otel's middleware goes into `settings.MIDDLEWARE`, after authentication, when the settings load."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from django.conf import LazySettings, settings

logger = logging.getLogger("ff_otel")

MIDDLEWARE_PATH = "ff_otel_instrument._django_middleware.AutoFeatureFlagMiddleware"
"""What is inserted in `settings.MIDDLEWARE`."""
# Any of these already listed means the application set ff-otel up by hand.
_BY_HAND = frozenset(
    {MIDDLEWARE_PATH, "ff_otel_django.FeatureFlagMiddleware", "ff_otel_django._middleware.FeatureFlagMiddleware"}
)
# Listed after the last of these that is present, so middleware in between sees the user; else at the end.
_AFTER = (
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
)
_SETTING = "FF_OTEL"
_MISSING = object()


@dataclasses.dataclass
class _Change:
    """One settings object changed here, and what it held before, so `unpatch()` can put it back."""

    holder: LazySettings
    middleware_before: Any
    middleware_after: Any
    options_before: Any


_options: dict[str, Any] = {}
_originals: dict[str, Any] = {}
_changes: list[_Change] = []


def patch(options: Mapping[str, Any]) -> None:
    """Insert the middleware when settings load; at once if they have loaded already."""
    _options.clear()
    _options.update(options)
    if not _originals:
        _originals["_setup"] = LazySettings._setup  # type: ignore[attr-defined]
        _originals["configure"] = LazySettings.configure
        setattr(LazySettings, "_setup", _setup)  # noqa: B010 - a method replaced on the class
        setattr(LazySettings, "configure", _configure)  # noqa: B010
    if settings.configured:
        adjust(settings)


def unpatch() -> None:
    """Restore Django's loading of settings, and the settings changed here."""
    for name, original in _originals.items():
        setattr(LazySettings, name, original)
    _originals.clear()
    while _changes:
        change = _changes.pop()
        holder = change.holder
        if getattr(holder, "MIDDLEWARE", None) is change.middleware_after:
            holder.MIDDLEWARE = change.middleware_before
            if change.options_before is _MISSING:
                delattr(holder, _SETTING)
            else:
                setattr(holder, _SETTING, change.options_before)


def _setup(self: LazySettings, name: str | None = None) -> None:
    _originals["_setup"](self, name)
    adjust(self)


def _configure(self: LazySettings, *args: Any, **kwargs: Any) -> None:
    _originals["configure"](self, *args, **kwargs)
    adjust(self)


def adjust(holder: LazySettings) -> None:
    """Add the middleware to `holder.MIDDLEWARE` unless it is there already, with the options under FF_OTEL.

    Options in `settings.FF_OTEL` win over the ones from the environment, key by key.
    """
    try:
        middleware = getattr(holder, "MIDDLEWARE", None)
        if not isinstance(middleware, list | tuple) or _BY_HAND.intersection(middleware):
            return
        entries = list(middleware)
        anchors = [i for i, path in enumerate(entries) if path in _AFTER]
        entries.insert(max(anchors) + 1 if anchors else len(entries), MIDDLEWARE_PATH)
        updated = entries if isinstance(middleware, list) else tuple(entries)
        configured = getattr(holder, _SETTING, _MISSING)
        _changes.append(_Change(holder, middleware, updated, configured))
        holder.MIDDLEWARE = updated
        if configured is _MISSING or configured is None:
            setattr(holder, _SETTING, dict(_options))
        elif isinstance(configured, Mapping):
            setattr(holder, _SETTING, {**_options, **configured})
        # Anything else is left for the middleware to reject with its own ImproperlyConfigured.
    except Exception:
        logger.warning("ff_otel could not add its middleware to settings.MIDDLEWARE", exc_info=True)
