"""The ClickHouse source: the OpenTelemetry Collector ClickHouse exporter's traces table, aggregated in place.

The whole aggregation runs as SQL inside ClickHouse; only one row per flag and variant comes back. The exporter
stores every attribute value as a string (arrays as JSON text) and spells span kinds and status codes out
(`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`; newer versions `Server`, `Error`): both spellings are read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Final
from urllib.parse import parse_qs, unquote, urlsplit

from ff_otel.integration import semconv
from ff_otel_impact._aggregates import VariantAggregate
from ff_otel_impact._query import ImpactQuery
from ff_otel_impact._sql import CLICKHOUSE, impact_sql

DEFAULT_TABLE: Final = "otel_traces"
"""The exporter's default traces table."""

RunQuery = Callable[[str], Sequence[Sequence[object]]]
"""Runs one SQL statement and returns its rows."""


class ClickHouseUnavailableError(OSError):
    """The server could not be reached or refused the query."""


_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SERVER: Final = "SpanKind IN ('SPAN_KIND_SERVER', 'Server')"
_ERROR: Final = "StatusCode IN ('STATUS_CODE_ERROR', 'Error')"


def table_reference(name: str) -> str:
    """`name` or `database.name` as a quoted identifier. Raises ValueError for anything else."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(_IDENTIFIER.match(part) for part in parts):
        raise ValueError(f"not a ClickHouse table name: {name!r} (expected name or database.name)")
    return ".".join(f"`{part}`" for part in parts)


def _variant(attributes: str) -> str:
    return (
        f"multiIf({attributes}['{semconv.RESULT_VARIANT}'] != '', {attributes}['{semconv.RESULT_VARIANT}'],"
        f" {attributes}['{semconv.LEGACY_VARIANT}'] != '', {attributes}['{semconv.LEGACY_VARIANT}'],"
        f" {attributes}['{semconv.RESULT_VALUE}'])"
    )


def links_sql(table: str, query: ImpactQuery) -> str:
    """Every span of the table as the aggregation's ``links`` relation."""
    status = (
        "toInt64OrZero(if(SpanAttributes['http.response.status_code'] != '',"
        " SpanAttributes['http.response.status_code'], SpanAttributes['http.status_code']))"
    )
    return f"""
SELECT
    TraceId AS trace_id, SpanId AS span_id, ParentSpanId AS parent_id, {_SERVER} AS server,
    ServiceName AS service, if(SpanAttributes['http.route'] != '', SpanAttributes['http.route'], SpanName) AS route,
    toUnixTimestamp64Nano(Timestamp) AS start_ns, toInt64(Duration) AS duration_ns,
    ({_ERROR} OR {status} >= 500) AS failed
FROM {table}{_where(query)}
"""


def evaluations_sql(table: str, query: ImpactQuery) -> str:
    """Evaluation events, evaluation spans and request summaries as the aggregation's ``evaluations`` relation."""
    names = f"('{semconv.EVALUATION_EVENT}', '{semconv.LEGACY_EVENT}')"
    events = _where(query, f"name IN {names}")
    spans = _where(query, f"SpanName = '{semconv.EVALUATION_SPAN}'")
    summaries = _where(query, _SERVER, "position(entry, '=') > 0")
    return f"""
SELECT TraceId AS trace_id, SpanId AS span_id, {_SERVER} AS server, attrs['{semconv.KEY}'] AS flag,
    {_variant("attrs")} AS variant, toUnixTimestamp64Nano(event_time) AS t, 0 AS priority
FROM {table} ARRAY JOIN Events.Name AS name, Events.Attributes AS attrs, Events.Timestamp AS event_time{events}
UNION ALL
SELECT TraceId, SpanId, {_SERVER}, SpanAttributes['{semconv.KEY}'], {_variant("SpanAttributes")},
    toUnixTimestamp64Nano(Timestamp), 0
FROM {table}{spans}
UNION ALL
SELECT TraceId, SpanId, 1, substring(entry, 1, position(entry, '=') - 1), substring(entry, position(entry, '=') + 1),
    toUnixTimestamp64Nano(Timestamp), 1
FROM {table} ARRAY JOIN JSONExtract(SpanAttributes['{semconv.SUMMARY_FLAGS}'], 'Array(String)') AS entry{summaries}
"""


def _where(query: ImpactQuery, *conditions: str) -> str:
    # The time bound lets ClickHouse skip whole partitions: nothing under a request starts before the request does.
    if query.since_ns is not None:
        conditions = (*conditions, f"Timestamp >= fromUnixTimestamp64Nano(toInt64({int(query.since_ns)}))")
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def clickhouse_sql(table: str, query: ImpactQuery) -> str:
    """The full aggregation over the exporter's traces table `table` (already quoted)."""
    return impact_sql(CLICKHOUSE, query, links_sql(table, query), evaluations_sql(table, query))


def aggregate_clickhouse(run: RunQuery, table: str, query: ImpactQuery) -> list[VariantAggregate]:
    """Run the aggregation in ClickHouse through `run` and read its rows."""
    return [VariantAggregate.from_row(row) for row in run(clickhouse_sql(table_reference(table), query))]


def connect(url: str) -> tuple[RunQuery, str | None]:
    """A query runner for the server at `url` (clickhouse-connect), and the table the URL names, if any.

    The URL is ``http[s]://[user[:password]@]host[:port][/database][?table=name]``.
    """
    import clickhouse_connect
    from clickhouse_connect.driver.exceptions import ClickHouseError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a ClickHouse HTTP URL: {url!r} (expected http[s]://host[:port][/database])")
    options = parse_qs(parts.query)
    table = options.get("table", [None])[0]
    database = unquote(parts.path.strip("/")) or None
    # Connect only when the first query runs, so that arguments are all checked before the network is used.
    clients: list[Any] = []

    def run(sql: str) -> Sequence[Sequence[object]]:
        try:
            if not clients:
                clients.append(
                    clickhouse_connect.get_client(
                        host=parts.hostname,
                        port=parts.port,
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else "",
                        database=database,
                        secure=parts.scheme == "https",
                    )
                )
            return clients[0].query(sql).result_rows  # type: ignore[no-any-return]
        except ClickHouseError as error:
            raise ClickHouseUnavailableError(f"ClickHouse at {parts.hostname}: {_first_line(error)}") from None

    return run, table


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
