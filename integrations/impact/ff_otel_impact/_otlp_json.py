"""How DuckDB reads the OpenTelemetry Collector `file` exporter's output: one ExportTraceServiceRequest per line.

The structure is declared rather than inferred, so every file reads the same way and fields the report does not
need (links, scope attributes, other value types) are skipped by the JSON reader itself. The names used here come
from ff-otel's names module.
"""

from __future__ import annotations

import json
from typing import Final

from ff_otel import _semconv as semconv

_VALUE: Final = {
    "stringValue": "VARCHAR",
    "boolValue": "BOOLEAN",
    "intValue": "VARCHAR",
    "doubleValue": "DOUBLE",
    "arrayValue": {"values": [{"stringValue": "VARCHAR"}]},
}
_ATTRIBUTES: Final = [{"key": "VARCHAR", "value": _VALUE}]
_SPAN: Final = {
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "parentSpanId": "VARCHAR",
    "name": "VARCHAR",
    "kind": "VARCHAR",
    "startTimeUnixNano": "VARCHAR",
    "endTimeUnixNano": "VARCHAR",
    "attributes": _ATTRIBUTES,
    "events": [{"timeUnixNano": "VARCHAR", "name": "VARCHAR", "attributes": _ATTRIBUTES}],
    "status": {"code": "VARCHAR"},
}
# Two steps, because DuckDB turns a small document into typed columns much faster than a large one: each line
# (a whole batch) is parsed once with its spans kept as JSON text, then each span is parsed on its own.
_REQUEST: Final = {"resourceSpans": [{"resource": {"attributes": _ATTRIBUTES}, "scopeSpans": [{"spans": ["JSON"]}]}]}

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
"""The longest line (one export request) DuckDB accepts; its read buffers are sized from it."""

SPANS_TABLE: Final = "spans"
SPANS_DDL: Final = f"""
CREATE TABLE {SPANS_TABLE} (
    trace_id UHUGEINT, span_id UBIGINT, parent_id UBIGINT, server BOOLEAN, service VARCHAR, route VARCHAR,
    start_ns BIGINT, duration_ns BIGINT, failed BOOLEAN,
    evaluations STRUCT(flag VARCHAR, variant VARCHAR, t BIGINT, priority INTEGER)[]
)
"""
"""One row per span: what the aggregation needs and nothing else. Ids are kept as the integers their hex spells
(a root span's parent is NULL): half the memory of text, and joins on integers are faster."""

# Helpers as DuckDB macros, so the load query below stays readable.
MACROS: Final = (
    "CREATE MACRO attr(attrs, name) AS list_filter(attrs, lambda a: a.key = name)[1].value",
    "CREATE MACRO text_of(v) AS nullif(coalesce(v.stringValue, CAST(v.boolValue AS VARCHAR), v.intValue,"
    " CAST(v.doubleValue AS VARCHAR)), '')",
    f"CREATE MACRO variant_of(attrs) AS coalesce(text_of(attr(attrs, '{semconv.RESULT_VARIANT}')),"
    f" text_of(attr(attrs, '{semconv.LEGACY_VARIANT}')), text_of(attr(attrs, '{semconv.RESULT_VALUE}')))",
    "CREATE MACRO status_of(attrs) AS coalesce(TRY_CAST(text_of(attr(attrs, 'http.response.status_code')) AS INTEGER),"
    " TRY_CAST(text_of(attr(attrs, 'http.status_code')) AS INTEGER), 0)",
)

_EVALUATION_NAMES: Final = f"('{semconv.EVALUATION_EVENT}', '{semconv.LEGACY_EVENT}')"


def load_sql(compression: str) -> str:
    """INSERT the spans of one file (its path bound as the one parameter) into the spans table."""
    return f"""
INSERT INTO {SPANS_TABLE}
SELECT
    TRY_CAST('0x' || s.traceId AS UHUGEINT),
    TRY_CAST('0x' || s.spanId AS UBIGINT),
    TRY_CAST('0x' || s.parentSpanId AS UBIGINT),
    s.kind IN ('2', 'SPAN_KIND_SERVER') AS server,
    service,
    coalesce(text_of(attr(s.attributes, 'http.route')), s.name, ''),
    TRY_CAST(s.startTimeUnixNano AS BIGINT) AS start_ns,
    TRY_CAST(s.endTimeUnixNano AS BIGINT) - TRY_CAST(s.startTimeUnixNano AS BIGINT),
    coalesce(s.status.code IN ('2', 'STATUS_CODE_ERROR'), false) OR status_of(s.attributes) >= 500,
    list_concat(
        list_transform(
            list_filter(s.events, lambda e: e.name IN {_EVALUATION_NAMES}),
            lambda e: {{
                'flag': text_of(attr(e.attributes, '{semconv.KEY}')),
                'variant': variant_of(e.attributes),
                't': TRY_CAST(e.timeUnixNano AS BIGINT),
                'priority': 0
            }}
        ),
        CASE WHEN s.name = '{semconv.EVALUATION_EVENT}' THEN [{{
            'flag': text_of(attr(s.attributes, '{semconv.KEY}')),
            'variant': variant_of(s.attributes),
            't': TRY_CAST(s.startTimeUnixNano AS BIGINT),
            'priority': 0
        }}] END,
        CASE WHEN s.kind IN ('2', 'SPAN_KIND_SERVER') THEN list_transform(
            list_filter(attr(s.attributes, '{semconv.SUMMARY_FLAGS}').arrayValue."values",
                        lambda x: contains(x.stringValue, '=')),
            lambda x: {{
                'flag': split_part(x.stringValue, '=', 1),
                'variant': x.stringValue[strpos(x.stringValue, '=') + 1:],
                't': TRY_CAST(s.startTimeUnixNano AS BIGINT),
                'priority': 1
            }}
        ) END
    )
FROM (
    SELECT
        coalesce(text_of(attr(rs.resource.attributes, 'service.name')), '') AS service,
        unnest(flatten(list_transform(rs.scopeSpans, lambda ss: ss.spans))) AS span_json
    FROM (
        SELECT unnest(json_transform(json, '{json.dumps(_REQUEST)}').resourceSpans) AS rs
        FROM read_json_objects(?, format = 'newline_delimited', compression = '{compression}',
                               maximum_object_size = {MAX_LINE_BYTES})
    )
), LATERAL (SELECT json_transform(span_json, '{json.dumps(_SPAN)}') AS s)
"""


LINKS_SQL: Final = (
    f"SELECT trace_id, span_id, parent_id, server, service, route, start_ns, duration_ns, failed FROM {SPANS_TABLE}"
)
EVALUATIONS_SQL: Final = (
    "SELECT trace_id, span_id, server, e.flag AS flag, e.variant AS variant, e.t AS t, e.priority AS priority"
    f" FROM {SPANS_TABLE}, unnest({SPANS_TABLE}.evaluations) AS x(e)"
)
