"""The embedded engine: DuckDB streams the files into a compact table of spans, then runs the aggregation.

Spans never pass through Python: DuckDB parses the JSON, keeps one narrow row per span (spilling to a temporary
folder beyond its memory limit), and hands back one row per flag and variant.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from ff_otel_impact._aggregates import VariantAggregate
from ff_otel_impact._otlp_json import EVALUATIONS_SQL, LINKS_SQL, MACROS, SPANS_DDL, SPANS_TABLE, load_sql
from ff_otel_impact._progress import Progress
from ff_otel_impact._query import ImpactQuery
from ff_otel_impact._salvage import is_gzip, salvage
from ff_otel_impact._sql import DUCKDB, impact_sql

MEMORY_LIMIT: Final = "512MB"
"""DuckDB's own memory cap; beyond it the spans table spills to disk, so memory stays flat with input size."""


class FileReport:
    """What reading the files gave: the aggregates and a message per problem met on the way."""

    def __init__(self, aggregates: list[VariantAggregate], problems: list[str]) -> None:
        self.aggregates = aggregates
        self.problems = problems


def aggregate_files(paths: Sequence[Path], query: ImpactQuery, progress: Progress | None = None) -> FileReport:
    """Read every file (OTLP JSON lines, plain or gzip) and aggregate its requests per flag and variant."""
    import duckdb

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ff-otel-impact-") as scratch:
        # A database file, not memory: its tables are paged by DuckDB's buffer manager within the memory limit.
        connection = duckdb.connect(
            str(Path(scratch) / "spans.duckdb"),
            config={
                "memory_limit": MEMORY_LIMIT,
                "temp_directory": scratch,
                "preserve_insertion_order": False,
            },
        )
        try:
            connection.execute("SET enable_progress_bar = false")  # ours goes to stderr, and only on a terminal
            for statement in MACROS:
                connection.execute(statement)
            connection.execute(SPANS_DDL)
            done = 0
            for number, path in enumerate(paths):
                size = path.stat().st_size
                problems.extend(_load(connection, path, Path(scratch) / f"salvaged-{number}.json", progress, done))
                done += size
                if progress is not None:
                    progress.update(done)
            problems.extend(_unattributable(connection))
            sql = impact_sql(DUCKDB, query, LINKS_SQL, EVALUATIONS_SQL)
            rows = connection.execute(sql).fetchall()
        finally:
            connection.close()
            if progress is not None:
                progress.close()
    return FileReport([VariantAggregate.from_row(row) for row in rows], problems)


def _load(connection: Any, path: Path, copy: Path, progress: Progress | None, done: int) -> list[str]:
    import duckdb

    compression = "gzip" if is_gzip(path) else "uncompressed"
    try:
        _insert(connection, path, compression, progress, done)
    except (duckdb.InvalidInputException, duckdb.ConversionException, duckdb.IOException) as error:
        refused = _first_line(error)  # the file's content: read it line by line below
    except duckdb.Error as error:  # not the file's fault (memory, disk): nothing sensible can be reported
        raise OSError(f"{path}: DuckDB could not read it: {_first_line(error)}") from None
    else:
        return []
    messages = salvage(path, copy)
    try:
        _insert(connection, copy, "uncompressed", None, done)
    except duckdb.Error as error:
        return [*messages, f"{path}: could not be read ({_first_line(error)})"]
    return messages or [f"{path}: read line by line after DuckDB refused it ({refused})"]


def _insert(connection: Any, path: Path, compression: str, progress: Progress | None, done: int) -> None:
    watcher = _Watcher(connection, progress, done, path.stat().st_size) if progress is not None else None
    try:
        connection.execute(load_sql(compression), [str(path)])
    finally:
        if watcher is not None:
            watcher.stop()


def _unattributable(connection: Any) -> list[str]:
    """Messages for evaluations the report cannot use: no flag key, or neither a variant nor a value."""
    missing_key, missing_variant = connection.execute(
        "SELECT count(*) FILTER (WHERE e.flag IS NULL),"
        " count(*) FILTER (WHERE e.flag IS NOT NULL AND e.variant IS NULL)"
        f" FROM {SPANS_TABLE}, unnest({SPANS_TABLE}.evaluations) AS x(e)"
    ).fetchone()
    messages = []
    if missing_key:
        messages.append(f"{missing_key} flag evaluation records carry no flag key; they were not counted")
    if missing_variant:
        messages.append(f"{missing_variant} flag evaluation records carry neither a variant nor a value; not counted")
    return messages


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class _Watcher:
    """Polls DuckDB's progress on the running load from a thread, for the progress bar."""

    def __init__(self, connection: Any, progress: Progress, done: int, size: int) -> None:
        self._connection = connection
        self._progress = progress
        self._done = done
        self._size = size
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(0.2):
            try:
                percent = float(self._connection.query_progress())
            except Exception:
                return
            if percent >= 0:
                self._progress.update(self._done + self._size * percent / 100)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()
