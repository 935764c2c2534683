"""How DuckDB reads the OpenTelemetry Collector `file` exporter's output: one export request per line.

Lines of traces (ExportTraceServiceRequest) give spans; lines of logs (ExportLogsServiceRequest) give the flag
evaluations recorded as log records inside a span, which count for that span like its own events.

The structure is declared rather than inferred, so every file reads the same way and fields the report does not
need (links, scope attributes, other value types) are skipped by the JSON reader itself. The names used here come
from ff-otel's names module.
"""

from __future__ import annotations

import json
from typing import Final

from ff_otel.integration import semconv

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
_LOG_RECORD: Final = {
    "timeUnixNano": "VARCHAR",
    "observedTimeUnixNano": "VARCHAR",
    "eventName": "VARCHAR",
    "traceId": "VARCHAR",
    "spanId": "VARCHAR",
    "attributes": _ATTRIBUTES,
}
# Two steps, because DuckDB turns a small document into typed columns much faster than a large one: each line
# (a whole batch) is parsed once with its spans and log records kept as JSON text, then each is parsed on its own.
_RESOURCE: Final = {"attributes": _ATTRIBUTES}
_REQUEST: Final = {
    "resourceSpans": [{"resource": _RESOURCE, "scopeSpans": [{"spans": ["JSON"]}]}],
    "resourceLogs": [{"resource": _RESOURCE, "scopeLogs": [{"logRecords": ["JSON"]}]}],
}

MAX_LINE_BYTES: Final = 16 * 1024 * 1024
"""The longest line (one export request) DuckDB accepts; its read buffers are sized from it."""

SPANS_TABLE: Final = "spans"
SPANS_DDL: Final = f"""
CREATE TABLE {SPANS_TABLE} (
    is_span BOOLEAN, trace_id UHUGEINT, span_id UBIGINT, parent_id UBIGINT, server BOOLEAN,
    service VARCHAR, route VARCHAR, start_ns BIGINT, duration_ns BIGINT, failed BOOLEAN,
    evaluations STRUCT(flag VARCHAR, variant VARCHAR, t BIGINT, priority INTEGER)[]
)
"""
"""One row per span (and per log record, with `is_span` false, carrying the evaluation it records): what the
aggregation needs and nothing else. Ids are kept as the integers their hex spells (a root span's parent is NULL):
half the memory of text, and joins on integers are faster."""

# Helpers as DuckDB macros, so the load query below stays readable.
MACROS: Final = (
    "CREATE MACRO attr(attrs, name) AS list_filter(attrs, lambda a: a.key = name)[1].value",
    "CREATE MACRO text_of(v) AS nullif(coalesce(v.stringValue, CAST(v.boolValue AS VARCHAR), v.intValue,"
    " CAST(v.doubleValue AS VARCHAR)), '')",
    f"CREATE MACRO variant_of(attrs) AS coalesce(text_of(attr(attrs, '{semconv.RESULT_VARIANT}')),"
    f" text_of(attr(attrs, '{semconv.LEGACY_VARIANT}')), text_of(attr(attrs, '{semconv.RESULT_VALUE}')))",
    # The OTLP spec writes ids in hex; protobuf's own JSON mapping (MessageToDict and the like) in base64.
    "CREATE MACRO hex_id(id, base64_length) AS"
    " CASE WHEN length(id) = base64_length THEN lower(hex(from_base64(id))) ELSE id END",
    "CREATE MACRO status_of(attrs) AS coalesce(TRY_CAST(text_of(attr(attrs, 'http.response.status_code')) AS INTEGER),"
    " TRY_CAST(text_of(attr(attrs, 'http.status_code')) AS INTEGER), 0)",
)

_EVALUATION_NAMES: Final = f"('{semconv.EVALUATION_EVENT}', '{semconv.LEGACY_EVENT}')"


def load_sql(compression: str) -> str:
    """INSERT the spans and log records of one file (its path bound as the one parameter) into the spans table."""
    server = "s.kind IN ('2', 'SPAN_KIND_SERVER')"
    service = "coalesce(text_of(attr(r.resource.attributes, 'service.name')), '')"
    return f"""
INSERT INTO {SPANS_TABLE}
SELECT
    NOT is_log,
    TRY_CAST('0x' || hex_id(coalesce(s.traceId, g.traceId), 24) AS UHUGEINT),
    TRY_CAST('0x' || hex_id(coalesce(s.spanId, g.spanId), 12) AS UBIGINT),
    TRY_CAST('0x' || hex_id(s.parentSpanId, 12) AS UBIGINT),
    coalesce({server}, false),
    service,
    coalesce(text_of(attr(s.attributes, 'http.route')), s.name, ''),
    TRY_CAST(s.startTimeUnixNano AS BIGINT),
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
        CASE WHEN s.name = '{semconv.EVALUATION_SPAN}' THEN [{{
            'flag': text_of(attr(s.attributes, '{semconv.KEY}')),
            'variant': variant_of(s.attributes),
            't': TRY_CAST(s.startTimeUnixNano AS BIGINT),
            'priority': 0
        }}] END,
        CASE WHEN {server} THEN list_transform(
            list_filter(attr(s.attributes, '{semconv.SUMMARY_FLAGS}').arrayValue."values",
                        lambda x: contains(x.stringValue, '=')),
            lambda x: {{
                'flag': split_part(x.stringValue, '=', 1),
                'variant': x.stringValue[strpos(x.stringValue, '=') + 1:],
                't': TRY_CAST(s.startTimeUnixNano AS BIGINT),
                'priority': 1
            }}
        ) END,
        CASE WHEN coalesce(g.eventName, text_of(attr(g.attributes, 'event.name'))) IN {_EVALUATION_NAMES} THEN [{{
            'flag': text_of(attr(g.attributes, '{semconv.KEY}')),
            'variant': variant_of(g.attributes),
            't': TRY_CAST(coalesce(g.timeUnixNano, g.observedTimeUnixNano) AS BIGINT),
            'priority': 0
        }}] END
    )
FROM (
    SELECT part.service AS service, part.is_log AS is_log, unnest(part.documents) AS document
    FROM (
        SELECT unnest(list_concat(
            list_transform(request.resourceSpans, lambda r: {{
                'service': {service}, 'is_log': false,
                'documents': flatten(list_transform(r.scopeSpans, lambda scope: scope.spans))
            }}),
            list_transform(request.resourceLogs, lambda r: {{
                'service': {service}, 'is_log': true,
                'documents': flatten(list_transform(r.scopeLogs, lambda scope: scope.logRecords))
            }})
        )) AS part
        FROM (
            SELECT json_transform(json, '{json.dumps(_REQUEST)}') AS request
            FROM read_json_objects(?, format = 'newline_delimited', compression = '{compression}',
                                   maximum_object_size = {MAX_LINE_BYTES})
        )
    )
), LATERAL (
    SELECT
        CASE WHEN NOT is_log THEN json_transform(document, '{json.dumps(_SPAN)}') END AS s,
        CASE WHEN is_log THEN json_transform(document, '{json.dumps(_LOG_RECORD)}') END AS g
)
"""


LINKS_SQL: Final = (
    "SELECT trace_id, span_id, parent_id, server, service, route, start_ns, duration_ns, failed"
    f" FROM {SPANS_TABLE} WHERE is_span"
)
EVALUATIONS_SQL: Final = (
    "SELECT trace_id, span_id, server, e.flag AS flag, e.variant AS variant, e.t AS t, e.priority AS priority"
    f" FROM {SPANS_TABLE}, unnest({SPANS_TABLE}.evaluations) AS x(e)"
)
