"""The current request span, and whether the wrapped application starts one of its own."""

from __future__ import annotations

from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.trace import Span

from ff_otel.integration import current_span


def current_request_span() -> Span | None:
    """The current span when there is one: an outer instrumentation's server span, or FastAPI's own."""
    span = current_span()
    return span if span.get_span_context().is_valid else None


def traces_itself(app: object) -> bool:
    """True when `app`, or an application it wraps, starts the request's server span on its own.

    That is OpenTelemetry's ASGI middleware (added directly, through `add_middleware`, or by FastAPIInstrumentor /
    StarletteInstrumentor), or FastAPI's own tracing (FastAPI 0.16x, on unless `telemetry={"tracing": False}`).
    """
    seen: set[int] = set()
    current: Any = app
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OpenTelemetryMiddleware) or getattr(current, "_is_instrumented_by_opentelemetry", False):
            return True
        middleware = getattr(current, "user_middleware", None) or ()
        if any(getattr(entry, "cls", None) is OpenTelemetryMiddleware for entry in middleware):
            return True
        native = getattr(current, "_native_telemetry", None)
        config = getattr(native, "config", None)
        if isinstance(config, dict) and config.get("tracing"):
            return True
        current = getattr(current, "app", None)
    return False
