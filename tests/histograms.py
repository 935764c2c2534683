"""Reading `ff_otel.request.duration` back, whichever way it left the process: an SDK reader, Prometheus, OTLP.

Every reading ends as the same `Series`: one histogram stream's attributes, count and cumulative bucket counts,
so the tests of every framework and every exporter assert the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader

from ff_otel import _semconv as semconv

BOUNDS = semconv.REQUEST_DURATION_BUCKETS


@dataclasses.dataclass(frozen=True)
class Series:
    """One stream of the histogram: its attributes, how many requests, and how many took at most each bound."""

    attributes: dict[str, Any]
    count: int
    at_most: dict[float, int]  # bound -> cumulative count (Prometheus' `le`)

    @property
    def variant(self) -> Any:
        return self.attributes.get(semconv.RESULT_VARIANT)

    def faster_than(self, bound: float) -> int:
        """How many of the requests took at most `bound` seconds (a bucket boundary)."""
        return self.at_most[bound]


def cumulative(bounds: Iterable[float], counts: Iterable[int]) -> dict[float, int]:
    """Per-bucket counts (OTLP, the SDK) as cumulative counts per upper bound (Prometheus)."""
    total, found = 0, {}
    for bound, count in zip(bounds, counts, strict=False):
        total += count
        found[float(bound)] = total
    return found


def from_point(point: HistogramDataPoint) -> Series:
    return Series(dict(point.attributes or {}), point.count, cumulative(point.explicit_bounds, point.bucket_counts))


def from_reader(reader: InMemoryMetricReader, name: str = semconv.METRIC_REQUEST_DURATION) -> list[Series]:
    """Every stream of the histogram `name` that `reader` collects now."""
    data = reader.get_metrics_data()
    if data is None:
        return []
    return [
        from_point(point)
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
        if isinstance(point, HistogramDataPoint)
    ]


class Sink:
    """A meter provider of its own (the `meter_provider` option), and the reader that collects what it measured."""

    def __init__(self) -> None:
        self.reader = InMemoryMetricReader()
        self.provider = MeterProvider(metric_readers=[self.reader])

    def series(self) -> list[Series]:
        return from_reader(self.reader)


def by_variant(series: Iterable[Series]) -> dict[Any, list[Series]]:
    grouped: dict[Any, list[Series]] = {}
    for one in series:
        grouped.setdefault(one.variant, []).append(one)
    return grouped


def counts(series: Iterable[Series], *keys: str) -> dict[tuple[Any, ...], int]:
    """Request counts summed over every stream that shares the values of `keys`."""
    found: dict[tuple[Any, ...], int] = {}
    for one in series:
        group = tuple(one.attributes.get(key) for key in keys)
        found[group] = found.get(group, 0) + one.count
    return found


def without(attributes: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in attributes.items() if key not in keys}
