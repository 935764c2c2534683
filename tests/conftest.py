"""Fixtures every test folder shares: the real OpenTelemetry SDK with in-memory exporters, and a clean OpenFeature.

OpenTelemetry lets a process set its global providers once, so one set is made for the session and the
exporters are emptied before each test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from openfeature.transaction_context import clear_transaction_context_propagator
from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import ff_otel
from tests._support.reports import forget_warned_problems


class Telemetry:
    """The session's providers and what they exported."""

    def __init__(self) -> None:
        self.span_exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.span_exporter))
        self.log_exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
        self.logger_provider = LoggerProvider()
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.log_exporter))
        self.metric_reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.metric_reader])
        self.tracer = self.tracer_provider.get_tracer("tests")

    def clear(self) -> None:
        self.span_exporter.clear()
        self.log_exporter.clear()
        self.metric_reader.get_metrics_data()  # collecting resets nothing for cumulative sums; tests diff instead

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.span_exporter.get_finished_spans()

    def logs(self) -> tuple[ReadableLogRecord, ...]:
        return self.log_exporter.get_finished_logs()


_TELEMETRY = Telemetry()
trace.set_tracer_provider(_TELEMETRY.tracer_provider)
_logs.set_logger_provider(_TELEMETRY.logger_provider)
metrics.set_meter_provider(_TELEMETRY.meter_provider)


@pytest.fixture
def telemetry() -> Telemetry:
    """The global OpenTelemetry SDK, emptied for this test."""
    _TELEMETRY.clear()
    return _TELEMETRY


FLAGS = {
    "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
    "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
    "max-items": InMemoryFlag("ten", {"ten": 10, "five": 5}),
    "layout": InMemoryFlag("grid", {"grid": {"columns": 3, "dense": True}, "list": {"columns": 1}}),
}


@pytest.fixture
def flags() -> None:
    """The real InMemoryProvider with a few flags of each type, set and ready."""
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    """Every test, in every folder, sees ff-otel's first warning of each problem, whatever ran before it."""
    forget_warned_problems()


@pytest.fixture(autouse=True)
def _clean_openfeature(_fresh_warnings: None) -> Iterator[None]:
    yield
    ff_otel.uninstall()
    api.clear_hooks()
    api.clear_providers()
    clear_transaction_context_propagator()
