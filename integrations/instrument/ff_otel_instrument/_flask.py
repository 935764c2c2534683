"""Flask: every application gets the `FeatureFlags` extension, at its first request.

At the first request rather than when the app is created: applications set `app.config` and `app.secret_key`
after creating the app, and the extension reads both.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from flask.app import Flask

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

logger = logging.getLogger("ff_otel")

CONFIG_KEY = "FF_OTEL"
"""The app config key the extension reads its options from."""

_FLASK_CALL = Flask.__call__
_options: dict[str, Any] = {}
_seen: weakref.WeakSet[Flask] = weakref.WeakSet()
_lock = threading.Lock()


def patch(options: Mapping[str, Any]) -> None:
    """Set the extension up in every Flask app, created before or after, at its first request."""
    _options.clear()
    _options.update(options)
    setattr(Flask, "__call__", _call)  # noqa: B010 - a method replaced on the class


def unpatch() -> None:
    """Leave apps not yet set up alone from now on."""
    setattr(Flask, "__call__", _FLASK_CALL)  # noqa: B010


def _call(self: Flask, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    if self not in _seen:
        set_up(self)
    return _FLASK_CALL(self, environ, start_response)


def set_up(app: Flask) -> None:
    """Give `app` the extension unless it has it; options in `app.config["FF_OTEL"]` win over the environment's."""
    from ff_otel_flask import EXTENSION_KEY, FeatureFlags

    with _lock:
        if app in _seen:
            return
        _seen.add(app)
        if EXTENSION_KEY in app.extensions:  # set up by hand
            return
        configured = app.config.get(CONFIG_KEY) or {}
        given = configured if isinstance(configured, Mapping) else {}
        try:
            FeatureFlags(**{name: value for name, value in _options.items() if name not in given}).init_app(app)
        except Exception:
            logger.warning("ff_otel could not set up the Flask app %r", app.name, exc_info=True)
