"""The request's server span: OpenTelemetry's own when its instrumentation is on, else one started here.

A span started here carries the request attributes of opentelemetry-instrumentation-wsgi (WSGI) or -asgi (ASGI)
and is named like the Django instrumentation names it: method and route.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any, cast

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from opentelemetry import trace
from opentelemetry.instrumentation import asgi as otel_asgi
from opentelemetry.instrumentation import wsgi as otel_wsgi
from opentelemetry.instrumentation._semconv import (
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
    _StabilityMode,
)
from opentelemetry.propagate import extract
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.util.http import sanitize_method

import ff_otel

logger = logging.getLogger("ff_otel")


def http_semconv_mode() -> _StabilityMode:
    """The HTTP semantic-convention mode OpenTelemetry's instrumentations use (`OTEL_SEMCONV_STABILITY_OPT_IN`)."""
    _OpenTelemetrySemanticConventionStability._initialize()  # type: ignore[no-untyped-call]
    return _OpenTelemetrySemanticConventionStability._get_opentelemetry_stability_opt_in_mode(
        _OpenTelemetryStabilitySignalType.HTTP
    )


class RequestSpan:
    """The span a request's evaluations land on; `owned` when it was started here and must be ended here."""

    __slots__ = ("_mode", "owned", "span")

    def __init__(self, span: Span | None, owned: bool, mode: _StabilityMode) -> None:
        self.span = span
        self.owned = owned
        self._mode = mode

    def activated(self) -> contextlib.AbstractContextManager[object]:
        """Make an owned span the current one for a block (OpenTelemetry's own span is current already)."""
        if self.owned and self.span is not None:
            return trace.use_span(self.span, record_exception=False, set_status_on_exception=False)
        return contextlib.nullcontext()

    def record_exception(self, error: BaseException) -> None:
        """Note a view's exception on an owned span; OpenTelemetry's instrumentation records its own."""
        if self.owned and self.span is not None and self.span.is_recording():
            self.span.record_exception(error)

    def finish(self, request: HttpRequest, response: HttpResponseBase | None) -> None:
        """Name an owned span after the route, add the response attributes, and end it."""
        span = self.span
        if not self.owned or span is None:
            return
        try:
            if span.is_recording():
                _name_after_route(span, request)
                if response is not None:
                    self._add_response_attributes(span, request, response)
        except Exception:
            logger.warning("ff_otel could not add the response attributes to the request span", exc_info=True)
        finally:
            span.end()

    def _add_response_attributes(self, span: Span, request: HttpRequest, response: HttpResponseBase) -> None:
        if isinstance(request, ASGIRequest):
            otel_asgi.set_status_code(span, response.status_code, None, self._mode)  # type: ignore[no-untyped-call]
        else:
            status = f"{response.status_code} {response.reason_phrase}"
            otel_wsgi.add_response_attributes(span, status, list(response.items()), None, self._mode)


class SpanStarter:
    """Finds or starts the server span of each request."""

    __slots__ = ("_mode", "_tracer", "enabled")

    def __init__(self, tracer: Tracer, enabled: bool) -> None:
        self._tracer = tracer
        self._mode = http_semconv_mode()
        self.enabled = enabled

    @classmethod
    def from_options(cls, options: ff_otel.Options, adapter_options: ff_otel.AdapterOptions) -> SpanStarter:
        tracer = trace.get_tracer("ff_otel_django", ff_otel.__version__, tracer_provider=options.tracer_provider)
        return cls(tracer, adapter_options.start_span)

    def begin(self, request: HttpRequest) -> RequestSpan:
        """The current span when there is one (never a second server span), else a new server span."""
        current = trace.get_current_span()
        if current.get_span_context().is_valid or not self.enabled:
            return RequestSpan(current if current.get_span_context().is_valid else None, False, self._mode)
        try:
            return RequestSpan(self._start(request), True, self._mode)
        except Exception:
            logger.warning("ff_otel could not start a span for the request", exc_info=True)
            return RequestSpan(None, False, self._mode)

    def _start(self, request: HttpRequest) -> Span:
        if isinstance(request, ASGIRequest):
            scope = request.scope
            attributes = otel_asgi.collect_request_attributes(scope, self._mode)  # type: ignore[no-untyped-call]
            parent = extract(cast("dict[Any, Any]", scope), getter=otel_asgi.asgi_getter)
        else:
            environ = request.META
            attributes = otel_wsgi.collect_request_attributes(environ, self._mode)
            parent = extract(environ, getter=otel_wsgi.wsgi_getter)
        name = _method(request)
        return self._tracer.start_span(name, context=parent, kind=SpanKind.SERVER, attributes=attributes)


def _method(request: HttpRequest) -> str:
    method = sanitize_method((request.method or "").strip())
    return "HTTP" if method == "_OTHER" else method


def _name_after_route(span: Span, request: HttpRequest) -> None:
    # The route is known only once Django has resolved the URL, after the span started.
    match = request.resolver_match
    method = _method(request)
    if match is None or method == "HTTP":
        return
    if match.route:
        span.update_name(f"{method} {match.route}")
        span.set_attribute(HTTP_ROUTE, match.route)
    elif match.url_name:
        span.update_name(f"{method} {match.url_name}")
