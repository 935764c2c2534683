"""`FeatureFlagInstrumentor`, loaded by `opentelemetry-instrument` from its `opentelemetry_instrumentor` entry point."""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

import ff_otel
from ff_otel_instrument import _frameworks
from ff_otel_instrument._dependencies import INSTRUMENTS
from ff_otel_instrument._environ import options_from_environ

logger = logging.getLogger("ff_otel")


class FeatureFlagInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Turns ff-otel on with no code change: the global hook, and the adapter of each installed web framework.

    Django gets the middleware in `settings.MIDDLEWARE` (after authentication) when its settings load, Flask apps
    the `FeatureFlags` extension at their first request, FastAPI and Starlette apps the ASGI middleware when their
    middleware stack is built; never a second one where the application added it by hand. Options come from
    `OTEL_PYTHON_FF_OTEL_<OPTION>` variables; keyword arguments to `instrument()` win over them.

    Usage: ``opentelemetry-instrument python app.py``, or ``FeatureFlagInstrumentor().instrument(semconv="both")``
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return INSTRUMENTS

    def _instrument(self, **options: Any) -> None:
        try:
            from_environ = options_from_environ()
        except (TypeError, ValueError) as error:
            # A typo in the deployment's variables must not stop the application, nor the other instrumentations.
            logger.error("ff_otel stays off: %s", error)
            return
        values = {**from_environ, **options}
        core, _ = ff_otel.split_options(values)
        if not ff_otel.install(core).active:
            return  # the kill switch: no adapters either
        _frameworks.start(values)

    def _uninstrument(self, **options: Any) -> None:
        _frameworks.stop()
        ff_otel.uninstall()
