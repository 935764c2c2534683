"""The one aggregation both engines run, written for DuckDB and for ClickHouse.

Each engine supplies two relations over its own storage:

- ``links``: every span as (trace_id, span_id, parent_id, server, service, route, start_ns, duration_ns, failed);
- ``evaluations``: every flag evaluation found on a span as (trace_id, span_id, server, flag, variant, t, priority),
  where server says whether that span is a server span, and priority 0 is an evaluation event or span and 1 an
  entry of the request span's `ff_otel.flags` summary.

The query walks each evaluation made below a server span up to its nearest server-span ancestor (its request),
keeps one variant per request and flag (an event before the summary, then the earliest), and returns per flag and
variant: requests, errors, latency quantiles, the mean and variance of log-durations, and a histogram of durations
in tenth-of-a-decade bins.
"""

from __future__ import annotations

import dataclasses
from typing import Final

from ff_otel_impact._query import ImpactQuery

MAX_DEPTH: Final = 64
"""How many spans an evaluation may sit below its request span; deeper ones are not attributed."""


@dataclasses.dataclass(frozen=True)
class Dialect:
    """The few spellings where DuckDB and ClickHouse differ."""

    name: str
    quantiles: str  # of {value}: an array of the 0.5, 0.9 and 0.99 quantiles, linearly interpolated
    histogram: str  # of {value}: counts per distinct value
    variance: str  # of {value}: sample variance
    earliest: str  # of {value} by {order}: the value of the smallest order
    has_parent: str  # of {column}: the span has a parent
    string_escapes: tuple[tuple[str, str], ...]

    def string(self, text: str) -> str:
        """`text` as a string literal."""
        for old, new in self.string_escapes:
            text = text.replace(old, new)
        return f"'{text}'"


DUCKDB: Final = Dialect(
    name="duckdb",
    quantiles="quantile_cont({value}, [0.5, 0.9, 0.99])",
    histogram="histogram({value})",
    variance="var_samp({value})",
    earliest="arg_min({value}, {order})",
    has_parent="{column} IS NOT NULL",
    string_escapes=(("'", "''"),),
)
CLICKHOUSE: Final = Dialect(
    name="clickhouse",
    quantiles="quantilesExactInclusive(0.5, 0.9, 0.99)({value})",
    histogram="sumMap([{value}], [toUInt64(1)])",
    variance="varSampStable({value})",
    earliest="argMin({value}, {order})",
    has_parent="{column} != ''",
    string_escapes=(("\\", "\\\\"), ("'", "\\'")),
)


def request_filters(dialect: Dialect, query: ImpactQuery, prefix: str = "") -> str:
    """The WHERE conditions that pick requests, over the columns of ``links``."""
    conditions = [f"{prefix}server"]
    if query.service is not None:
        conditions.append(f"{prefix}service = {dialect.string(query.service)}")
    if query.route is not None:
        conditions.append(f"{prefix}route = {dialect.string(query.route)}")
    if query.since_ns is not None:
        conditions.append(f"{prefix}start_ns >= {int(query.since_ns)}")
    if query.until_ns is not None:
        conditions.append(f"{prefix}start_ns < {int(query.until_ns)}")
    return " AND ".join(conditions)


def impact_sql(dialect: Dialect, query: ImpactQuery, links: str, evaluations: str) -> str:
    """The aggregation over the engine's `links` and `evaluations` relations (SQL text of each)."""
    flag_filter = "" if query.flag is None else f" AND flag = {dialect.string(query.flag)}"
    # Spans that start before `since` cannot be under a request that starts at or after it.
    scan = "" if query.since_ns is None else f" WHERE start_ns >= {int(query.since_ns)}"
    log_duration = "ln(greatest(duration_ns, 1))"
    bin_of = "CAST(floor(log10(greatest(duration_ns, 1)) * 10) AS INTEGER)"
    return f"""
WITH RECURSIVE
links AS (SELECT * FROM ({links}) AS l{scan}),
evaluations AS (
    SELECT * FROM ({evaluations}) AS e
    WHERE flag IS NOT NULL AND flag != '' AND variant IS NOT NULL AND variant != ''{flag_filter}
),
requests AS (SELECT trace_id, span_id, duration_ns, failed FROM links WHERE {request_filters(dialect, query)}),
walk AS (
    SELECT trace_id, span_id AS node, flag, variant, t, priority, CAST(0 AS INTEGER) AS hops
    FROM evaluations WHERE NOT server
    UNION ALL
    SELECT w.trace_id, l.parent_id, w.flag, w.variant, w.t, w.priority, CAST(w.hops + 1 AS INTEGER)
    FROM walk AS w INNER JOIN links AS l ON l.trace_id = w.trace_id AND l.span_id = w.node
    WHERE NOT l.server AND {dialect.has_parent.format(column="l.parent_id")} AND w.hops < {MAX_DEPTH}
),
placed AS (
    SELECT trace_id, span_id AS node, flag, variant, t, priority FROM evaluations WHERE server
    UNION ALL
    SELECT trace_id, node, flag, variant, t, priority FROM walk
),
attributed AS (
    SELECT
        w.flag AS flag,
        {dialect.earliest.format(value="w.variant", order="(w.priority, w.t, w.variant)")} AS variant,
        r.duration_ns AS duration_ns,
        r.failed AS failed
    FROM placed AS w INNER JOIN requests AS r ON r.trace_id = w.trace_id AND r.span_id = w.node
    GROUP BY w.trace_id, w.node, w.flag, r.duration_ns, r.failed
)
SELECT
    flag,
    variant,
    count(*) AS requests,
    sum(CASE WHEN failed THEN 1 ELSE 0 END) AS errors,
    {dialect.quantiles.format(value="CAST(duration_ns AS DOUBLE)")} AS quantiles,
    avg({log_duration}) AS log_mean,
    {dialect.variance.format(value=log_duration)} AS log_variance,
    {dialect.histogram.format(value=bin_of)} AS bins
FROM attributed
GROUP BY flag, variant
ORDER BY flag, variant
"""
