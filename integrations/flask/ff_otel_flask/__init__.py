"""ff-otel for Flask: every flag evaluation in a request lands on its span, with the request's user as context.

Usage::

    from ff_otel_flask import FeatureFlags
    FeatureFlags(app)                      # or: ext = FeatureFlags(); ext.init_app(app)
"""

from __future__ import annotations

try:
    import flask  # noqa: F401
    import opentelemetry.instrumentation.wsgi  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on what is installed
    raise ImportError(
        "ff_otel_flask needs Flask and opentelemetry-instrumentation-wsgi: pip install 'ff-otel[flask]'"
    ) from error

from ff_otel_flask._extension import EXTENSION_KEY, FeatureFlags, FeatureFlagsState

__all__ = ["EXTENSION_KEY", "FeatureFlags", "FeatureFlagsState"]
