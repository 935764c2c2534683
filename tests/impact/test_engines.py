"""The same real traces through both engines: DuckDB over file-exporter files and SQL inside ClickHouse (chdb).

Both must find what the scenario put there, and give the same report.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ff_otel_impact import ImpactQuery, ImpactReport, analyze_files, analyze_with, parse_instant
from ff_otel_impact._render import report_document
from tests.impact.clickhouse import ClickHouse
from tests.impact.clickhouse_http import ClickHouseHttp
from tests.impact.scenario import REQUESTS, SPACING_NS, Scenario, shop_traffic
from tests.impact.traces import START_NS, write_lines


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return shop_traffic()


@pytest.fixture(scope="module")
def trace_files(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("traces")
    spans = scenario.spans()
    half = len(spans) // 2
    write_lines(folder / "part-1.json", spans[:half])  # type: ignore[arg-type]
    write_lines(folder / "part-2.json.gz", spans[half:], compress=True)  # type: ignore[arg-type]
    return folder


@pytest.fixture(scope="module")
def clickhouse(scenario: Scenario) -> Iterator[ClickHouse]:
    engine = ClickHouse()
    engine.insert(scenario.spans())  # type: ignore[arg-type]
    yield engine
    engine.close()


def _both(trace_files: Path, clickhouse: ClickHouse, query: ImpactQuery) -> tuple[ImpactReport, ImpactReport]:
    return analyze_files([str(trace_files)], query), analyze_with(clickhouse.run, clickhouse.table, query)


def _counts(report: ImpactReport) -> dict[tuple[str, str], tuple[int, int]]:
    return {(f.flag, v.variant): (v.aggregate.requests, v.aggregate.errors) for f in report.flags for v in f.variants}


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def test_both_engines_find_every_request_and_variant(
    scenario: Scenario, trace_files: Path, clickhouse: ClickHouse
) -> None:
    files, inside = _both(trace_files, clickhouse, ImpactQuery())

    expected = {key: (count, scenario.errors[key]) for key, count in scenario.requests.items()}
    assert _counts(files) == expected
    assert _counts(inside) == expected
    assert files.problems == ()
    assert _same(report_document(files), report_document(inside))


def test_the_slow_failing_variant_is_named_and_the_neutral_flag_is_not(
    trace_files: Path, clickhouse: ClickHouse
) -> None:
    for report in _both(trace_files, clickhouse, ImpactQuery()):
        checkout = report.flag("new-checkout")
        assert checkout.baseline == "off"
        on = checkout.variant("on").comparison
        assert on is not None
        assert on.findings == ("slower", "more errors")
        assert on.latency_ratio is not None
        assert on.latency_ratio.low > 2.5
        other = report.flag("banner-color").variants[1].comparison
        assert other is not None
        assert other.verdict == "no difference found at this sample size"


def test_the_command_queries_clickhouse_over_http(trace_files: Path, clickhouse: ClickHouse) -> None:
    server = ClickHouseHttp(clickhouse)
    try:
        command = [str(Path(sys.executable).parent / "ff-otel"), "impact", "--clickhouse", server.url, "--json"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    finally:
        server.stop()

    assert result.returncode == 0, result.stderr
    over_http = json.loads(result.stdout)
    assert _same(over_http, report_document(analyze_files([str(trace_files)], ImpactQuery())))
    # The aggregation ran inside ClickHouse: one query over the exporter's table, whose answer is aggregates only.
    (aggregation,) = [sql for sql in server.queries if "otel_traces" in sql]
    assert "WITH RECURSIVE" in aggregation
    assert sum(len(flag["variants"]) for flag in over_http["flags"]) == 6


def test_a_downstream_server_span_is_its_own_request(trace_files: Path, clickhouse: ClickHouse) -> None:
    for report in _both(trace_files, clickhouse, ImpactQuery(service="inventory")):
        assert [flag.flag for flag in report.flags] == ["max-items"]
        assert {v.variant: v.aggregate.p50_ns for v in report.flag("max-items").variants} == {
            "ten": 40_000_000.0,
            "five": 40_000_000.0,
        }


def test_filters_agree_between_engines(scenario: Scenario, trace_files: Path, clickhouse: ClickHouse) -> None:
    middle = START_NS + (REQUESTS // 2) * SPACING_NS
    queries = [
        ImpactQuery(flag="new-checkout"),
        ImpactQuery(route="/stock"),
        ImpactQuery(since_ns=middle),
        ImpactQuery(until_ns=middle),
        ImpactQuery(since_ns=parse_instant("2026-01-01T00:00:30Z"), until_ns=parse_instant("2026-01-01T00:01:00Z")),
        ImpactQuery(baseline="on"),
    ]
    for query in queries:
        files, inside = _both(trace_files, clickhouse, query)
        assert _same(report_document(files), report_document(inside)), query
    only, _ = _both(trace_files, clickhouse, ImpactQuery(flag="new-checkout"))
    assert [flag.flag for flag in only.flags] == ["new-checkout"]
    half, _ = _both(trace_files, clickhouse, ImpactQuery(since_ns=middle))
    assert sum(v.aggregate.requests for v in half.flag("new-checkout").variants) == REQUESTS - REQUESTS // 2
    window, _ = _both(trace_files, clickhouse, queries[4])
    assert sum(v.aggregate.requests for v in window.flag("new-checkout").variants) == 30
    against_on, _ = _both(trace_files, clickhouse, ImpactQuery(baseline="on"))
    off = against_on.flag("new-checkout").variant("off").comparison
    assert against_on.flag("new-checkout").baseline == "on"
    assert against_on.problems == (
        "flag banner-color has no variant 'on'; compared with 'blue', its most requested",
        "flag max-items has no variant 'on'; compared with 'five', its most requested",
    )
    assert off is not None
    assert off.findings == ("faster", "fewer errors")
