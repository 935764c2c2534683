"""A request's server span: OpenTelemetry's own when its instrumentation made one, else one started here.

A span started here is what opentelemetry-instrumentation-wsgi or -asgi would have started: their request
attributes, the parent from the incoming headers, suppression honoured, the HTTP server duration metric recorded,
and the name made of the method and the route once the framework knows it. Adapters that cannot wrap the whole
app in contrib's middleware (Django's middleware chain) use this; it needs the `wsgi` / `asgi` instrumentations,
which every web adapter's extra installs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from timeit import default_timer
from typing import Any, cast

from opentelemetry import trace
from opentelemetry.instrumentation import asgi as otel_asgi
from opentelemetry.instrumentation import wsgi as otel_wsgi
from opentelemetry.instrumentation._semconv import (
    HTTP_DURATION_HISTOGRAM_BUCKETS_NEW,
    _filter_semconv_duration_attrs,
    _OpenTelemetrySemanticConventionStability,
    _OpenTelemetryStabilitySignalType,
    _report_new,
    _report_old,
    _server_duration_attrs_new,
    _server_duration_attrs_old,
    _StabilityMode,
)
from opentelemetry.instrumentation.utils import is_http_instrumentation_enabled
from opentelemetry.metrics import Histogram, MeterProvider, get_meter
from opentelemetry.propagate import extract
from opentelemetry.semconv._incubating.metrics.http_metrics import HTTP_SERVER_REQUEST_DURATION
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from opentelemetry.semconv.metrics import MetricInstruments
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.http import sanitize_method

from ff_otel._current_span import current_span
from ff_otel._safe import report
from ff_otel._version import __version__


def http_semconv_mode() -> _StabilityMode:
    """The HTTP semantic-convention mode OpenTelemetry's instrumentations use (`OTEL_SEMCONV_STABILITY_OPT_IN`)."""
    _OpenTelemetrySemanticConventionStability._initialize()  # type: ignore[no-untyped-call]
    return _OpenTelemetrySemanticConventionStability._get_opentelemetry_stability_opt_in_mode(
        _OpenTelemetryStabilitySignalType.HTTP
    )


def span_method(method: str | None) -> str:
    """The request method as HTTP span names spell it: `HTTP` for a method the conventions do not know."""
    sanitized = sanitize_method((method or "").strip())
    return "HTTP" if sanitized in (None, "_OTHER") else str(sanitized)


def name_after_route(span: Span, method: str | None, route: str | None) -> None:
    """Name `span` `METHOD route` and set `http.route`, as OpenTelemetry's framework instrumentations do."""
    name = span_method(method)
    if route and name != "HTTP" and span.is_recording():
        span.update_name(f"{name} {route}")
        span.set_attribute(HTTP_ROUTE, route)


class ServerSpan:
    """The span a request's evaluations land on; `owned` when it was started here and must be ended here."""

    __slots__ = ("_attributes", "_histograms", "_mode", "_started", "asgi", "owned", "span")

    def __init__(self, span: Span | None, *, owned: bool = False, spans: ServerSpans | None = None) -> None:
        self.span = span
        self.owned = owned
        self.asgi = False
        if not owned:  # the rest is read only for a span started here, which is ended here
            return
        self._mode = _StabilityMode.DEFAULT if spans is None else spans.mode
        self._histograms: tuple[Histogram | None, Histogram | None] = (None, None)
        self._attributes: dict[str, Any] = {}
        self._started = default_timer()

    def activated(self) -> contextlib.AbstractContextManager[object]:
        """Make an owned span the current one for a block (OpenTelemetry's own span is current already)."""
        if self.owned and self.span is not None:
            return trace.use_span(self.span, record_exception=False, set_status_on_exception=False)
        return contextlib.nullcontext()

    def record_exception(self, error: BaseException) -> None:
        """Note an exception on an owned span; OpenTelemetry's instrumentation records its own."""
        if self.owned and self.span is not None and self.span.is_recording():
            self.span.record_exception(error)
            self._attributes[ERROR_TYPE] = type(error).__qualname__

    def finish(
        self,
        *,
        method: str | None,
        route: str | None,
        status: int | None,
        reason: str = "",
        headers: list[tuple[str, str]] | None = None,
        failed: bool = False,
    ) -> None:
        """Name an owned span after the route, add the response attributes, record its duration, and end it;
        `failed` for a request that failed after its status was sent (a streamed body that broke off)."""
        span = self.span
        if not self.owned or span is None:
            return
        try:
            name_after_route(span, method, route)
            if route:
                self._attributes[HTTP_ROUTE] = route
            if status is not None:
                if self.asgi:
                    otel_asgi.set_status_code(span, status, self._attributes, self._mode)  # type: ignore[no-untyped-call]
                else:
                    otel_wsgi.add_response_attributes(
                        span, f"{status} {reason}", headers or [], self._attributes, self._mode
                    )
            if failed or (status is None and ERROR_TYPE in self._attributes):  # after the status: it must win
                span.set_status(Status(StatusCode.ERROR))
            self._record_duration(span)
        except Exception as error:
            report("ff_otel could not finish the request's server span", error)
        finally:
            try:
                span.end()
            except Exception as error:  # a span processor that raises: the request is not its business
                report("ff_otel could not end the request's server span", error)

    def _record_duration(self, span: Span) -> None:
        elapsed = max(default_timer() - self._started, 0.0)
        old, new = self._histograms
        context = trace.set_span_in_context(span)
        if old is not None:
            attributes = _filter_semconv_duration_attrs(
                self._attributes, _server_duration_attrs_old, _server_duration_attrs_new, _StabilityMode.DEFAULT
            )
            old.record(max(round(elapsed * 1000), 0), attributes, context=context)
        if new is not None:
            attributes = _filter_semconv_duration_attrs(
                self._attributes, _server_duration_attrs_old, _server_duration_attrs_new, _StabilityMode.HTTP
            )
            new.record(elapsed, attributes, context=context)


class ServerSpans:
    """Finds or starts the server span of each request, for one adapter.

    Usage: ``spans = ServerSpans("ff_otel_django", tracer_provider=..., meter_provider=..., enabled=True)``
    """

    __slots__ = ("_histograms", "_tracer", "enabled", "mode")

    def __init__(
        self,
        instrumentation: str,
        *,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        enabled: bool = True,
    ) -> None:
        self.mode = http_semconv_mode()
        self.enabled = enabled
        self._tracer = trace.get_tracer(instrumentation, __version__, tracer_provider=tracer_provider)
        meter = get_meter(instrumentation, __version__, meter_provider=meter_provider)
        old = new = None
        if _report_old(self.mode):
            old = meter.create_histogram(
                MetricInstruments.HTTP_SERVER_DURATION, "ms", "Measures the duration of inbound HTTP requests."
            )
        if _report_new(self.mode):
            new = meter.create_histogram(
                HTTP_SERVER_REQUEST_DURATION,
                "s",
                "Duration of HTTP server requests.",
                explicit_bucket_boundaries_advisory=HTTP_DURATION_HISTOGRAM_BUCKETS_NEW,
            )
        self._histograms = (old, new)

    def begin(self, carrier: Mapping[str, Any], *, asgi: bool, method: str | None) -> ServerSpan:
        """The current span when there is one (never a second server span), else a new server span.

        `carrier` is the WSGI environ or the ASGI scope. Nothing is started when HTTP instrumentation is
        suppressed or span creation is turned off.
        """
        current = current_span()
        if current.get_span_context().is_valid:
            return ServerSpan(current)
        if not self.enabled or not is_http_instrumentation_enabled():
            return ServerSpan(None)
        try:
            return self._start(carrier, asgi, method)
        except Exception as error:
            report("ff_otel could not start a span for the request", error)
            return ServerSpan(None)

    def _start(self, carrier: Mapping[str, Any], asgi: bool, method: str | None) -> ServerSpan:
        if asgi:
            attributes = otel_asgi.collect_request_attributes(carrier, self.mode)  # type: ignore[no-untyped-call]
            parent = extract(cast("dict[Any, Any]", carrier), getter=otel_asgi.asgi_getter)
        else:
            attributes = otel_wsgi.collect_request_attributes(cast("Any", carrier), self.mode)
            parent = extract(cast("Any", carrier), getter=otel_wsgi.wsgi_getter)
        span = self._tracer.start_span(span_method(method), context=parent, kind=SpanKind.SERVER, attributes=attributes)
        server_span = ServerSpan(span, owned=True, spans=self)
        server_span.asgi = asgi
        server_span._histograms = self._histograms
        server_span._attributes = dict(attributes)
        return server_span
