"""The `events` option: span events, log records in the span's context, or both; the rest of the picture unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from openfeature import api
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

import ff_otel
from ff_otel import EventsMode
from tests.conftest import Telemetry

EXPECTED = {
    "feature_flag.key": "banner-color",
    "feature_flag.result.variant": "red",
    "feature_flag.result.reason": "static",
    "feature_flag.provider.name": "In-Memory Provider",
    "feature_flag.context.id": "user-42",
}


def _evaluate_in_a_request(telemetry: Telemetry, times: int = 1) -> None:
    client = api.get_client()
    span = telemetry.tracer.start_span("request")
    scope = ff_otel.RequestScope(
        object(), find_identity=lambda: ff_otel.Identity.user("user-42"), options=ff_otel.AdapterOptions(), span=span
    )
    with trace.use_span(span, end_on_exit=True), scope:
        for _ in range(times):
            assert client.get_string_value("banner-color", "grey") == "#c05543"


@pytest.mark.usefixtures("flags")
def test_log_mode_emits_a_log_record_in_the_spans_context_and_no_span_event(telemetry: Telemetry) -> None:
    ff_otel.install(events="log")
    _evaluate_in_a_request(telemetry)

    (span,) = telemetry.spans()
    assert span.events == ()
    (record,) = telemetry.logs()
    log = record.log_record
    assert log.event_name == "feature_flag.evaluation"
    assert dict(log.attributes or {}) == EXPECTED
    context = span.context
    assert context is not None
    assert (log.trace_id, log.span_id, log.trace_flags) == (context.trace_id, context.span_id, context.trace_flags)


@pytest.mark.usefixtures("flags")
def test_both_mode_emits_the_span_event_and_the_log_record_with_the_same_attributes(telemetry: Telemetry) -> None:
    ff_otel.install(events="both")
    _evaluate_in_a_request(telemetry)

    ((span,), (record,)) = telemetry.spans(), telemetry.logs()
    (event,) = span.events
    assert event.name == record.log_record.event_name == "feature_flag.evaluation"
    assert dict(event.attributes or {}) == dict(record.log_record.attributes or {}) == EXPECTED
    assert span.context is not None
    assert record.log_record.span_id == span.context.span_id


@pytest.mark.usefixtures("flags")
@pytest.mark.parametrize("events", ["log", "both"])
def test_an_unsampled_span_records_nothing_in_any_mode(telemetry: Telemetry, events: EventsMode) -> None:
    ff_otel.install(events=events, evaluation_spans=True)
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("unsampled")
    with unsampled.start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    assert telemetry.spans() == ()
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_log_mode_outside_any_span_is_the_usual_log_record(telemetry: Telemetry) -> None:
    ff_otel.install(events="log")
    with ff_otel.evaluation_context("user-42"):
        api.get_client().get_string_value("banner-color", "grey")

    (record,) = telemetry.logs()
    assert dict(record.log_record.attributes or {}) == EXPECTED


def _what_a_request_leaves(telemetry: Telemetry, **options: Any) -> tuple[dict[str, Any], int, float]:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]), max_events_per_span=2, **options)
    _evaluate_in_a_request(telemetry, times=3)
    (span,) = telemetry.spans()
    recorded = len([e for e in span.events if e.name == "feature_flag.evaluation"]) + len(telemetry.logs())
    data = reader.get_metrics_data()
    assert data is not None
    (requests,) = [
        point.value  # type: ignore[union-attr]
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "feature_flag.evaluation_requests_total"
        for point in metric.data.data_points
    ]
    attributes = {k: v for k, v in (span.attributes or {}).items() if k.startswith("ff_otel.")}
    return attributes, recorded, requests


@pytest.mark.usefixtures("flags")
@pytest.mark.parametrize("events", ["log", "both"])
def test_the_summary_the_event_cap_and_the_metrics_are_the_same_in_every_mode(
    telemetry: Telemetry, events: str
) -> None:
    span_mode = _what_a_request_leaves(telemetry)
    ff_otel.uninstall()
    telemetry.clear()
    summary, recorded, requests = _what_a_request_leaves(telemetry, events=events)

    assert summary == span_mode[0]
    assert summary["ff_otel.evaluations"] == 3
    assert summary["ff_otel.evaluations.dropped"] == 1  # the cap counts evaluations, whatever they become
    assert recorded == span_mode[1] * (2 if events == "both" else 1)
    assert requests == span_mode[2] == 3


@pytest.mark.usefixtures("flags")
def test_both_semconv_modes_are_one_evaluation_event_under_the_new_name_in_every_events_mode(
    telemetry: Telemetry,
) -> None:
    ff_otel.install(semconv="both", events="both")
    _evaluate_in_a_request(telemetry)

    (span,) = telemetry.spans()
    (record,) = telemetry.logs()
    assert [event.name for event in span.events] == [record.log_record.event_name] == ["feature_flag.evaluation"]
    attributes = dict(record.log_record.attributes or {})
    assert attributes["feature_flag.result.variant"] == attributes["feature_flag.variant"] == "red"
    assert attributes["feature_flag.provider.name"] == attributes["feature_flag.provider_name"]
