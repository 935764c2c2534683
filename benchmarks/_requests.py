"""The per-request cases, what each must record, and how one case is measured.

Every framework serves one endpoint, `GET /flags`, that evaluates the five flags of `_flags`. The requests are
sent in-process by the smallest possible callers (a WSGI environ, an ASGI scope), so the figures are the
framework's and the instrumentation's, not a test client's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from openfeature import api
from openfeature.contrib.hook.opentelemetry import TracingHook
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

import ff_otel
from benchmarks._flags import EXPECTED, FLAG_COUNT
from ff_otel.integration import semconv

PATH = "/flags"
NO_FLAGS_PATH = "/no-flags"
"""An endpoint that evaluates no flag: what the adapter costs a request that never asks for one."""

NO_OTEL = "no OpenTelemetry"
OFFICIAL = "instrumentation"
TRACING_HOOK = "instrumentation + TracingHook"
HOOK_ONLY = "instrumentation + ff-otel hook only"
FF_OTEL = "instrumentation + ff-otel adapter"
FF_OTEL_METRICS = "instrumentation + ff-otel adapter, SDK MeterProvider"
FF_OTEL_NO_METRICS = "instrumentation + ff-otel adapter, `metrics=False`"
ADAPTER_ALONE = "ff-otel adapter alone"
HOOK_POINTS = "instrumentation + do-nothing hooks where the adapter hooks in"
"""What the framework charges for the hooks the adapter needs, before the adapter does anything in them."""

CASES = (
    NO_OTEL,
    OFFICIAL,
    TRACING_HOOK,
    HOOK_ONLY,
    FF_OTEL,
    FF_OTEL_METRICS,
    FF_OTEL_NO_METRICS,
    ADAPTER_ALONE,
    HOOK_POINTS,
)
"""`HOOK_ONLY` is ff-otel's hook without its adapter: the gap up to `FF_OTEL` is the adapter's own work."""

Send = Callable[[], bytes]
"""Sends one `GET /flags` through the application and returns the response body."""


def instrumented(case: str) -> bool:
    """Whether OpenTelemetry's official instrumentation of the framework is on in `case`."""
    return case in (OFFICIAL, TRACING_HOOK, HOOK_ONLY, FF_OTEL, FF_OTEL_METRICS, FF_OTEL_NO_METRICS, HOOK_POINTS)


def uses_adapter(case: str) -> bool:
    """Whether ff-otel's framework adapter is on in `case`."""
    return case in (FF_OTEL, FF_OTEL_METRICS, FF_OTEL_NO_METRICS, ADAPTER_ALONE)


def adapter_options(case: str, traces: Traces) -> dict[str, Any]:
    """The adapter's options in `case`: the benchmark's tracer provider, and the case's metrics set-up."""
    options: dict[str, Any] = {"tracer_provider": traces.tracer_provider}
    if case == FF_OTEL_METRICS:
        options["meter_provider"] = traces.meter_provider
    elif case == FF_OTEL_NO_METRICS:
        options["metrics"] = False
    return options


class Traces:
    """A real SDK tracer provider whose finished spans go to an in-memory exporter, emptied as the run goes."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    def clear(self) -> None:
        self.exporter.clear()


def add_hooks(case: str, traces: Traces) -> None:
    """The OpenFeature hooks of `case` that no adapter installs."""
    if case == TRACING_HOOK:
        api.add_hooks([TracingHook()])
    elif case == HOOK_ONLY:
        ff_otel.install(tracer_provider=traces.tracer_provider)


def check_recorded(case: str, spans: tuple[ReadableSpan, ...]) -> None:
    """One server span per traced request, carrying the evaluation events (and summary) the case promises."""
    servers = [span for span in spans if span.kind is SpanKind.SERVER]
    events = [event for span in spans for event in span.events if event.name == semconv.EVALUATION_EVENT]
    if case == NO_OTEL:
        assert not spans, f"{case}: nothing should be traced, got {[span.name for span in spans]}"
        return
    assert len(servers) == 1, f"{case}: expected one server span, got {[span.name for span in servers]}"
    unrecorded = case in (OFFICIAL, HOOK_POINTS)
    assert len(events) == (0 if unrecorded else FLAG_COUNT), f"{case}: got {len(events)} evaluation events"
    summary = (servers[0].attributes or {}).get(semconv.SUMMARY_EVALUATION_COUNT)
    assert summary == (FLAG_COUNT if uses_adapter(case) else None), f"{case}: summary {summary!r}"


def send_checked(send: Send, case: str, traces: Traces) -> None:
    """Send one request, and fail unless it answered the flags and recorded what `case` promises."""
    body: Any = json.loads(send())
    assert body == EXPECTED, body
    check_recorded(case, traces.spans())
    traces.clear()
