"""`ff_otel.record_evaluation` records any flag system's evaluation exactly as the OpenFeature hook does."""

from __future__ import annotations

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import ff_otel
from tests.conftest import Telemetry


def test_nothing_is_recorded_before_install(telemetry: Telemetry) -> None:
    with telemetry.tracer.start_as_current_span("request"):
        ff_otel.record_evaluation("in-house-flag", True, variant="on")
    (span,) = telemetry.spans()
    assert span.events == ()


def test_an_evaluation_takes_the_bound_targeting_key_and_becomes_an_event(telemetry: Telemetry) -> None:
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-7"):
        ff_otel.record_evaluation(
            "in-house-flag",
            "blue",
            variant="b",
            reason="SPLIT",
            provider_name="In-house",
            flag_metadata={"flagSetId": "shop", "version": 4},
        )

    (span,) = telemetry.spans()
    (event,) = span.events
    assert dict(event.attributes or {}) == {
        "feature_flag.key": "in-house-flag",
        "feature_flag.result.variant": "b",
        "feature_flag.result.reason": "split",
        "feature_flag.provider.name": "In-house",
        "feature_flag.context.id": "user-7",
        "feature_flag.set.id": "shop",
        "feature_flag.version": "4",
    }


def test_an_error_reason_alone_or_an_error_type_alone_both_mark_a_failure(telemetry: Telemetry) -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    with telemetry.tracer.start_as_current_span("request"):
        ff_otel.record_evaluation("a", False, reason="error", error_message="store down")
        ff_otel.record_evaluation("b", False, error_type="FLAG_NOT_FOUND")

    (span,) = telemetry.spans()
    first, second = (dict(e.attributes or {}) for e in span.events)
    assert (first["feature_flag.result.reason"], first["error.type"]) == ("error", "general")
    assert first["feature_flag.error.message"] == "store down"
    assert (second["feature_flag.result.reason"], second["error.type"]) == ("error", "flag_not_found")

    data = reader.get_metrics_data()
    assert data is not None
    errors = [
        point.value  # type: ignore[union-attr]
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "feature_flag.evaluation_error_total"
        for point in metric.data.data_points
    ]
    assert sorted(errors) == [1, 1]
