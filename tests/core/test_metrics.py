"""Evaluation metrics with low-cardinality attributes only."""

from __future__ import annotations

import pytest
from openfeature import api
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData

import ff_otel


def _points(data: MetricsData | None) -> dict[str, list[tuple[dict[str, object], float]]]:
    found: dict[str, list[tuple[dict[str, object], float]]] = {}
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = point.count  # type: ignore[union-attr]
                    found.setdefault(metric.name, []).append((dict(point.attributes or {}), value))
    return found


@pytest.mark.usefixtures("flags")
def test_counters_and_duration_with_low_cardinality_attributes() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    client = api.get_client()
    with ff_otel.evaluation_context("user-1"):
        client.get_boolean_value("new-checkout", False)
        client.get_boolean_value("new-checkout", False)
        client.get_boolean_value("no-such-flag", False)

    points = _points(reader.get_metrics_data())
    ok = {
        "feature_flag.key": "new-checkout",
        "feature_flag.result.variant": "on",
        "feature_flag.result.reason": "static",
        "feature_flag.provider.name": "In-Memory Provider",
    }
    failed = {
        "feature_flag.key": "no-such-flag",
        "feature_flag.result.reason": "error",
        "feature_flag.provider.name": "In-Memory Provider",
        "error.type": "flag_not_found",
    }
    assert sorted(points["feature_flag.evaluation_requests_total"], key=str) == sorted([(ok, 2), (failed, 1)], key=str)
    assert points["feature_flag.evaluation_success_total"] == [(ok, 2)]
    assert points["feature_flag.evaluation_error_total"] == [(failed, 1)]
    assert points["feature_flag.evaluation_active_count"] == [({}, 0)]
    assert sorted(count for _, count in points["feature_flag.evaluation.duration"]) == [1, 2]
    every_attribute = {key for series in points.values() for attributes, _ in series for key in attributes}
    assert "feature_flag.context.id" not in every_attribute
    assert "feature_flag.result.value" not in every_attribute


@pytest.mark.usefixtures("flags")
def test_metrics_can_be_turned_off() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]), metrics=False)
    api.get_client().get_boolean_value("new-checkout", False)
    data = reader.get_metrics_data()
    assert data is None or _points(data) == {}
