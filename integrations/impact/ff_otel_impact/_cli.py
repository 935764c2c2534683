"""`ff-otel impact`: its arguments, and running it from them."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import TextIO

from ff_otel_impact._query import ImpactQuery, parse_instant

INSTALL_HINT = 'pip install "ff-otel[impact]"'
DESCRIPTION = (
    "Did a flag variant make requests slower or fail more? Reads stored traces (OTLP JSON lines as the "
    "OpenTelemetry Collector's file exporter writes them, or the Collector ClickHouse exporter's table) and "
    "compares each flag's variants: requests, error rate, p50/p90/p99 latency, and the difference against the "
    "baseline variant with 95% intervals."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of `ff-otel impact` on `parser`."""
    parser.add_argument("sources", nargs="*", metavar="PATH",
                        help="trace files (.json or .json.gz, one ExportTraceServiceRequest per line), glob patterns "
                             "or folders")  # fmt: skip
    parser.add_argument("--clickhouse", metavar="URL",
                        help="read the Collector ClickHouse exporter's traces table on this server instead: "
                             "http[s]://[user[:password]@]host[:port][/database]")  # fmt: skip
    parser.add_argument("--table", default=None, metavar="NAME",
                        help="the traces table (default: otel_traces, or ?table= in the URL)")  # fmt: skip
    parser.add_argument("--flag", metavar="KEY", help="only this flag")
    parser.add_argument("--service", metavar="NAME", help="only requests served by this service.name")
    parser.add_argument("--route", metavar="ROUTE", help="only requests on this http.route (else span name)")
    parser.add_argument("--since", metavar="ISO8601", help="only requests that started at or after this instant (UTC "
                        "unless it says otherwise)")  # fmt: skip
    parser.add_argument("--until", metavar="ISO8601", help="only requests that started before this instant")
    parser.add_argument(
        "--baseline",
        metavar="VARIANT",
        help="compare with this variant (default: each flag's variant with the most requests)",
    )
    parser.add_argument(
        "--latency-margin",
        type=float,
        default=0.10,
        metavar="FRACTION",
        help="smallest latency change called slower or faster (default: 0.10, i.e. 10%%)",
    )
    parser.add_argument(
        "--error-margin",
        type=float,
        default=0.01,
        metavar="FRACTION",
        help="smallest error-rate change called a change (default: 0.01, one percentage point)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png",
        help="also draw latency distributions and error rates per variant into this PNG",
    )


def run(arguments: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run `ff-otel impact` with parsed `arguments`; returns the exit code."""
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    if bool(arguments.sources) == bool(arguments.clickhouse):
        err.write("ff-otel impact: give trace files, or --clickhouse URL (one of the two)\n")
        return 2
    needed = ["duckdb"] if arguments.sources else ["clickhouse_connect"]
    if arguments.plot is not None:
        needed.append("matplotlib")
    missing = [name for name in needed if not _importable(name)]
    if missing:
        err.write(f"ff-otel impact needs {', '.join(missing)}, which the impact extra installs: {INSTALL_HINT}\n")
        return 2
    try:
        query = _query(arguments)
    except ValueError as error:
        err.write(f"ff-otel impact: {error}\n")
        return 2

    from ff_otel_impact._analyze import analyze_clickhouse, analyze_files
    from ff_otel_impact._render import render_json, render_table
    from ff_otel_impact._sources import SourceError

    try:
        if arguments.clickhouse:
            report = analyze_clickhouse(arguments.clickhouse, query, table=arguments.table)
        else:
            report = analyze_files(arguments.sources, query, progress_stream=err)
    except (SourceError, ValueError, OSError) as error:
        err.write(f"ff-otel impact: {error}\n")
        return 2
    if not arguments.json:
        for problem in report.problems:
            err.write(f"ff-otel impact: warning: {problem}\n")
    out.write(render_json(report) if arguments.json else render_table(report))
    if arguments.plot is not None:
        from ff_otel_impact._plot import plot_report

        plot_report(report, arguments.plot)
        err.write(f"ff-otel impact: plot written to {arguments.plot}\n")
    return 0


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def _query(arguments: argparse.Namespace) -> ImpactQuery:
    for name in ("latency_margin", "error_margin"):
        if not 0 <= getattr(arguments, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} must be a fraction between 0 and 1")
    return ImpactQuery(
        flag=arguments.flag,
        service=arguments.service,
        route=arguments.route,
        since_ns=None if arguments.since is None else _instant("--since", arguments.since),
        until_ns=None if arguments.until is None else _instant("--until", arguments.until),
        baseline=arguments.baseline,
        latency_margin=arguments.latency_margin,
        error_margin=arguments.error_margin,
    )


def _instant(option: str, text: str) -> int:
    try:
        return parse_instant(text)
    except ValueError:
        raise ValueError(f"{option} {text!r} is not an ISO 8601 timestamp (e.g. 2026-03-01T12:00:00Z)") from None
