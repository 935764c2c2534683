"""What an app exported, decoded from OTLP protobuf into plain values: the repository's one protobuf decoder.

The demo's collector reads every export through it, and so does the tests' receiver. Usage::

    spans = spans_of(ExportTraceServiceRequest.FromString(body))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanProto

SPAN_KIND_SERVER = SpanProto.SpanKind.SPAN_KIND_SERVER


@dataclasses.dataclass(frozen=True)
class SpanEvent:
    """One event of a span."""

    name: str
    attributes: Mapping[str, Any]


@dataclasses.dataclass(frozen=True)
class ExportedSpan:
    """One span, ids as hex strings (`parent_span_id` is "" for a root)."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int
    start_ns: int
    end_ns: int
    attributes: Mapping[str, Any]
    events: tuple[SpanEvent, ...]
    service: str

    @property
    def duration_ms(self) -> float:
        return (self.end_ns - self.start_ns) / 1e6

    @property
    def server(self) -> bool:
        """Whether this is a server span (a request's own span)."""
        return self.kind == SPAN_KIND_SERVER


@dataclasses.dataclass(frozen=True)
class ExportedLog:
    """One log record; `trace_id` is "" outside any trace."""

    event_name: str
    attributes: Mapping[str, Any]
    time_ns: int
    trace_id: str
    service: str


@dataclasses.dataclass(frozen=True)
class HistogramPoint:
    """One data point of a histogram as exported (cumulative: each export repeats every stream so far)."""

    name: str
    resource: Mapping[str, Any]
    attributes: Mapping[str, Any]
    time_ns: int
    count: int
    sum: float
    explicit_bounds: tuple[float, ...]
    bucket_counts: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class ImpactSeries:
    """One stream of the `ff_otel.request.duration` histogram: its attributes, requests and summed seconds."""

    attributes: Mapping[str, Any]
    count: int
    seconds: float
    time_ns: int


def value_of(value: AnyValue) -> Any:
    """An OTLP AnyValue as the Python value it carries."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes_of(value.kvlist_value.values)
    return getattr(value, kind)


def attributes_of(pairs: Any) -> dict[str, Any]:
    """OTLP key-value pairs as a dict."""
    items: list[KeyValue] = list(pairs)
    return {pair.key: value_of(pair.value) for pair in items}


def spans_of(request: ExportTraceServiceRequest) -> list[ExportedSpan]:
    """The spans of one OTLP trace export."""
    spans = []
    for resource_spans in request.resource_spans:
        service = str(attributes_of(resource_spans.resource.attributes).get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                events = tuple(SpanEvent(event.name, attributes_of(event.attributes)) for event in span.events)
                spans.append(
                    ExportedSpan(
                        trace_id=span.trace_id.hex(),
                        span_id=span.span_id.hex(),
                        parent_span_id=span.parent_span_id.hex(),
                        name=span.name,
                        kind=span.kind,
                        start_ns=span.start_time_unix_nano,
                        end_ns=span.end_time_unix_nano,
                        attributes=attributes_of(span.attributes),
                        events=events,
                        service=service,
                    )
                )
    return spans


def logs_of(request: ExportLogsServiceRequest) -> list[ExportedLog]:
    """The log records of one OTLP logs export."""
    logs = []
    for resource_logs in request.resource_logs:
        service = str(attributes_of(resource_logs.resource.attributes).get("service.name", ""))
        for scope_logs in resource_logs.scope_logs:
            for record in scope_logs.log_records:
                logs.append(
                    ExportedLog(
                        event_name=record.event_name,
                        attributes=attributes_of(record.attributes),
                        time_ns=record.time_unix_nano or record.observed_time_unix_nano,
                        trace_id=record.trace_id.hex() if any(record.trace_id) else "",
                        service=service,
                    )
                )
    return logs


def histograms_of(request: ExportMetricsServiceRequest) -> list[HistogramPoint]:
    """The data points of every histogram in one OTLP metrics export (other kinds of metric are left out)."""
    return [
        HistogramPoint(
            name=metric.name,
            resource=attributes_of(resource_metrics.resource.attributes),
            attributes=attributes_of(point.attributes),
            time_ns=point.time_unix_nano,
            count=point.count,
            sum=point.sum,
            explicit_bounds=tuple(point.explicit_bounds),
            bucket_counts=tuple(point.bucket_counts),
        )
        for resource_metrics in request.resource_metrics
        for scope_metrics in resource_metrics.scope_metrics
        for metric in scope_metrics.metrics
        if metric.WhichOneof("data") == "histogram"
        for point in metric.histogram.data_points
    ]


def impact_of(request: ExportMetricsServiceRequest, name: str) -> list[ImpactSeries]:
    """The streams of the histogram `name` in one OTLP metrics export."""
    return [
        ImpactSeries(point.attributes, point.count, point.sum, point.time_ns)
        for point in histograms_of(request)
        if point.name == name
    ]
