"""The Flask extension: `FeatureFlags(app)` or `FeatureFlags().init_app(app)`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import flask

from ff_otel import Options
from ff_otel.integration import AdapterOptions, activate, split_options
from ff_otel_flask._instrumentor import HookOrder
from ff_otel_flask._lifecycle import RequestLifecycle
from ff_otel_flask._wsgi import FeatureFlagsWsgi

EXTENSION_KEY = "ff_otel"
"""`app.extensions[EXTENSION_KEY]` is the app's `FeatureFlagsState`."""
CONFIG_KEY = "FF_OTEL"


class FeatureFlagsState:
    """What `init_app` set up for one app: the options in force and the request hooks."""

    def __init__(self, options: Options, adapter_options: AdapterOptions, lifecycle: RequestLifecycle) -> None:
        self.options = options
        self.adapter_options = adapter_options
        self.lifecycle = lifecycle


class FeatureFlags:
    """Records every OpenFeature flag evaluation of a Flask app's requests on the request's span.

    Options are ff-otel's options, as keyword arguments here or as a dict in ``app.config["FF_OTEL"]``; keyword
    arguments win. ``secret_key`` defaults to ``app.secret_key``.

    Usage::

        FeatureFlags(app, semconv="both")
        # or, with an app factory:
        feature_flags = FeatureFlags()
        feature_flags.init_app(app)
    """

    def __init__(self, app: flask.Flask | None = None, **options: Any) -> None:
        self._options = options
        if app is not None:
            self.init_app(app)

    def init_app(self, app: flask.Flask) -> None:
        """Set ff-otel up for `app` and install the global OpenFeature hook."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(f"ff_otel is already set up for the Flask app {app.name!r}")
        configured = app.config.get(CONFIG_KEY) or {}
        if not isinstance(configured, Mapping):
            raise TypeError(f"app.config[{CONFIG_KEY!r}] must be a dict of ff_otel options; got {configured!r}")
        values = {**configured, **self._options}
        if values.get("secret_key") is None and app.secret_key:
            values["secret_key"] = app.secret_key
        options, adapter_options = split_options(values)
        if not activate(options).active:  # the kill switch: the app is left exactly as it was
            return
        lifecycle = RequestLifecycle(adapter_options, options)
        flask.request_started.connect(lifecycle.request_started, app, weak=False)
        app.before_request(lifecycle.before_request)
        app.after_request(lifecycle.after_request)
        app.teardown_request(lifecycle.teardown_request)
        hook_order = HookOrder(lifecycle.before_request, lifecycle.teardown_request)
        app.wsgi_app = FeatureFlagsWsgi(app, app.wsgi_app, lifecycle, hook_order, options)  # type: ignore[method-assign]
        app.extensions[EXTENSION_KEY] = FeatureFlagsState(options, adapter_options, lifecycle)
