"""Evaluations outside any span become OpenTelemetry log records."""

from __future__ import annotations

import pytest
from openfeature import api
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

import ff_otel
from tests.conftest import Telemetry


@pytest.mark.usefixtures("flags")
def test_an_evaluation_outside_a_span_becomes_a_log_record_with_an_event_name(telemetry: Telemetry) -> None:
    ff_otel.install()
    with ff_otel.evaluation_context("worker-7"):
        api.get_client().get_object_value("layout", {})

    (record,) = telemetry.logs()
    assert record.log_record.event_name == "feature_flag.evaluation"
    assert record.log_record.timestamp is not None
    assert dict(record.log_record.attributes or {}) == {
        "feature_flag.key": "layout",
        "feature_flag.result.variant": "grid",
        "feature_flag.result.reason": "static",
        "feature_flag.provider.name": "In-Memory Provider",
        "feature_flag.context.id": "worker-7",
    }
    assert telemetry.spans() == ()


@pytest.mark.usefixtures("flags")
def test_the_log_fallback_can_be_turned_off(telemetry: Telemetry) -> None:
    ff_otel.install(log_outside_spans=False)
    api.get_client().get_boolean_value("new-checkout", False)
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_a_given_logger_provider_receives_the_records(telemetry: Telemetry) -> None:
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    ff_otel.install(logger_provider=provider, semconv="legacy")

    api.get_client().get_boolean_value("new-checkout", False)

    (record,) = exporter.get_finished_logs()
    assert record.log_record.event_name == "feature_flag"
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_a_logger_provider_without_processors_is_not_enabled_and_gets_nothing(telemetry: Telemetry) -> None:
    empty = LoggerProvider()
    ff_otel.install(logger_provider=empty)
    api.get_client().get_boolean_value("new-checkout", False)
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_an_evaluation_under_an_ended_span_becomes_a_log_record_of_that_trace(telemetry: Telemetry) -> None:
    from opentelemetry import trace

    ff_otel.install()
    span = telemetry.tracer.start_span("request")
    span.end()
    with trace.use_span(span, end_on_exit=False):
        api.get_client().get_boolean_value("new-checkout", False)

    (record,) = telemetry.logs()
    assert record.log_record.trace_id == span.get_span_context().trace_id
    assert dict(record.log_record.attributes or {})["feature_flag.key"] == "new-checkout"
