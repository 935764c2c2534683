"""ff-otel for Flask: every flag evaluation in a request lands on its span, with the request's user as context.

Usage::

    from ff_otel_flask import FeatureFlags
    FeatureFlags(app)                      # or: ext = FeatureFlags(); ext.init_app(app)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Unpack

try:
    import flask
    import opentelemetry.instrumentation.wsgi  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on what is installed
    raise ImportError(
        "ff_otel_flask needs Flask and opentelemetry-instrumentation-wsgi: pip install 'ff-otel[flask]'"
    ) from error

from ff_otel import Options
from ff_otel.integration import AdapterOptionKeywords, AdapterOptions, activate, option_signature, split_options
from ff_otel_flask._lifecycle import RequestLifecycle

__all__ = ["EXTENSION_KEY", "FeatureFlags", "FeatureFlagsState"]

EXTENSION_KEY = "ff_otel"
"""`app.extensions[EXTENSION_KEY]` is the app's `FeatureFlagsState`."""
CONFIG_KEY = "FF_OTEL"


@dataclasses.dataclass(frozen=True)
class FeatureFlagsState:
    """What `init_app` set up for one app: the options in force and the request hooks."""

    options: Options
    adapter_options: AdapterOptions
    lifecycle: RequestLifecycle


class FeatureFlags:
    """Records every OpenFeature flag evaluation of a Flask app's requests on the request's span.

    Options are ff-otel's options, as keyword arguments here or as a dict in ``app.config["FF_OTEL"]``; keyword
    arguments win. ``secret_key`` defaults to ``app.secret_key``.

    Usage: ``FeatureFlags(app, semconv="both")``, or with an app factory ``FeatureFlags().init_app(app)``
    """

    @option_signature(Options, AdapterOptions)
    def __init__(self, app: flask.Flask | None = None, **options: Unpack[AdapterOptionKeywords]) -> None:
        self._options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        """Set ff-otel up for `app`: its request hooks, and ff-otel's recording, installed once per process."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(f"ff_otel is already set up for the Flask app {app.name!r}")
        configured = app.config.get(CONFIG_KEY) or {}
        if not isinstance(configured, Mapping):
            raise TypeError(f"app.config[{CONFIG_KEY!r}] must be a dict of ff_otel options; got {configured!r}")
        options, adapter_options = split_options({**configured, **self._options}, default_secret_key=app.secret_key)
        if not activate(options).active:  # the kill switch: the app is left exactly as it was
            return
        lifecycle = RequestLifecycle(app, options, adapter_options)
        app.extensions[EXTENSION_KEY] = FeatureFlagsState(options, adapter_options, lifecycle)
