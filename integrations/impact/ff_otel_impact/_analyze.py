"""The two ways to an impact report: trace files through DuckDB, or a ClickHouse server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from ff_otel_impact._clickhouse import DEFAULT_TABLE, RunQuery, aggregate_clickhouse, connect, table_reference
from ff_otel_impact._files import aggregate_files
from ff_otel_impact._progress import progress_for
from ff_otel_impact._query import ImpactQuery
from ff_otel_impact._report import ImpactReport, build_report
from ff_otel_impact._sources import expand_sources


def analyze_files(sources: Sequence[str], query: ImpactQuery, progress_stream: TextIO | None = None) -> ImpactReport:
    """The report over trace files, globs and folders; a progress bar on `progress_stream` if it is a terminal."""
    paths = expand_sources(sources)
    progress = None if progress_stream is None else progress_for(sum(p.stat().st_size for p in paths), progress_stream)
    found = aggregate_files(paths, query, progress)
    return build_report(found.aggregates, query, found.problems)


def analyze_clickhouse(url: str, query: ImpactQuery, table: str | None = None) -> ImpactReport:
    """The report over the traces table of the ClickHouse server at `url`.

    Raises ValueError for a bad URL or table name, and ClickHouseUnavailableError (an OSError) when the server
    cannot be queried.
    """
    run, named = connect(url)
    chosen = table or named or DEFAULT_TABLE
    table_reference(chosen)  # a bad name fails here, before any connection is made
    return analyze_with(run, chosen, query)


def analyze_with(run: RunQuery, table: str, query: ImpactQuery) -> ImpactReport:
    """The report over `table`, through any runner of ClickHouse SQL (a client, or an in-process engine)."""
    return build_report(aggregate_clickhouse(run, table, query), query)
