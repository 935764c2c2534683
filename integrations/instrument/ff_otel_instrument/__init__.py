"""ff-otel with no code change: `opentelemetry-instrument` loads `FeatureFlagInstrumentor` from its entry point.

Usage::

    OTEL_PYTHON_FF_OTEL_SEMCONV=both opentelemetry-instrument python app.py

Options are read from `OTEL_PYTHON_FF_OTEL_<OPTION>` variables (`OTEL_PYTHON_FF_OTEL_ENABLED=false` keeps ff-otel
off); `OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=ff_otel` keeps `opentelemetry-instrument` from loading it.
"""

from __future__ import annotations

try:
    import opentelemetry.instrumentation.instrumentor  # noqa: F401
    import wrapt  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        f'ff_otel_instrument needs the "instrument" extra: pip install "ff-otel[instrument]" ({error})'
    ) from error

from ff_otel_instrument._environ import PREFIX, ImportedCallable, options_from_environ, variable_name
from ff_otel_instrument._instrumentor import FeatureFlagInstrumentor

__all__ = ["PREFIX", "FeatureFlagInstrumentor", "ImportedCallable", "options_from_environ", "variable_name"]
