"""The Collector ClickHouse exporter's traces table in the real ClickHouse engine, run in-process by chdb.

The DDL is the exporter's own traces table (exporter/clickhouseexporter, `traces_table.sql`, with its default
MergeTree engine and no TTL), and rows are written the way the exporter writes them: ids as lowercase hex, span
kind and status as the exporter spells them, every attribute value as a string (arrays as JSON text), events as
the nested `Events` columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

from chdb import session
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

TRACES_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = MergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1
"""

_KINDS = {
    SpanKind.INTERNAL: "SPAN_KIND_INTERNAL",
    SpanKind.SERVER: "SPAN_KIND_SERVER",
    SpanKind.CLIENT: "SPAN_KIND_CLIENT",
    SpanKind.PRODUCER: "SPAN_KIND_PRODUCER",
    SpanKind.CONSUMER: "SPAN_KIND_CONSUMER",
}
_STATUS = {
    StatusCode.UNSET: "STATUS_CODE_UNSET",
    StatusCode.OK: "STATUS_CODE_OK",
    StatusCode.ERROR: "STATUS_CODE_ERROR",
}


class ClickHouse:
    """A chdb session holding the exporter's traces table; `run` is what `ff-otel impact` queries it with."""

    def __init__(self, table: str = "otel_traces") -> None:
        self.table = table
        # chdb has no annotations: its session is used untyped.
        self._session: Any = cast("Any", session.Session())  # type: ignore[no-untyped-call]
        self._session.query(TRACES_DDL.format(table=table))

    def insert(self, spans: Iterable[ReadableSpan]) -> None:
        """Write `spans` as the exporter does."""
        rows = "\n".join(json.dumps(exporter_row(span)) for span in spans)
        if rows:
            self._session.query(f"INSERT INTO {self.table} FORMAT JSONEachRow\n{rows}")

    def run(self, sql: str) -> Sequence[Sequence[object]]:
        return list(json.loads(self.query_bytes(sql, "JSONCompact"))["data"])

    def query_bytes(self, sql: str, output_format: str) -> bytes:
        """The raw result of `sql` in `output_format`; raises on an engine error."""
        return bytes(self._session.query(sql, output_format).bytes())

    def close(self) -> None:
        self._session.close()


def exporter_row(span: ReadableSpan) -> dict[str, Any]:
    """The traces-table row the exporter writes for `span`."""
    context, parent = span.get_span_context(), span.parent
    assert context is not None
    assert span.start_time is not None
    assert span.end_time is not None
    resource = {key: _text(value) for key, value in span.resource.attributes.items()}
    scope = span.instrumentation_scope
    attributes = {key: _text(value) for key, value in (span.attributes or {}).items()}
    if scope is not None and scope.name:
        attributes["otel.scope.name"] = scope.name
    return {
        "Timestamp": _instant(span.start_time),
        "TraceId": f"{context.trace_id:032x}",
        "SpanId": f"{context.span_id:016x}",
        "ParentSpanId": "" if parent is None else f"{parent.span_id:016x}",
        "TraceState": "",
        "SpanName": span.name,
        "SpanKind": _KINDS[span.kind],
        "ServiceName": str(span.resource.attributes.get("service.name", "")),
        "ResourceAttributes": resource,
        "ScopeName": "" if scope is None else scope.name,
        "ScopeVersion": "" if scope is None or scope.version is None else scope.version,
        "SpanAttributes": attributes,
        "Duration": span.end_time - span.start_time,
        "StatusCode": _STATUS[span.status.status_code],
        "StatusMessage": span.status.description or "",
        "Events.Timestamp": [_instant(event.timestamp) for event in span.events],
        "Events.Name": [event.name for event in span.events],
        "Events.Attributes": [{k: _text(v) for k, v in (event.attributes or {}).items()} for event in span.events],
        "Links.TraceId": [],
        "Links.SpanId": [],
        "Links.TraceState": [],
        "Links.Attributes": [],
    }


def _instant(nanoseconds: int) -> str:
    return f"{nanoseconds // 1_000_000_000}.{nanoseconds % 1_000_000_000:09d}"


def _text(value: object) -> str:
    """An attribute value as the exporter's string: booleans in lower case, sequences as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return json.dumps(list(value), separators=(",", ":"))
    return str(value)
