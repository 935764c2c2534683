"""`ff-otel impact` at scale: a million requests' spans from trace files, on DuckDB.

The files (1.7 GB of OTLP JSON lines for a million requests) are generated first. Each analysis runs as the
command does, in a child process, so that its CPU time and peak RSS are its own. Reported:

- time: the full analysis against DuckDB just splitting the same files into lines (the baseline, same run);
- throughput: requests per second, and CPU seconds per core on a 2-core budget (the target: under 60 s);
- memory: peak RSS for all the files against peak RSS for a quarter of them (target: flat, ratio under 1.5).

``FF_OTEL_IMPACT_REQUESTS`` sets the number of requests (default 1,000,000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from benchmarks._trace_files import write_trace_files

REQUESTS = int(os.environ.get("FF_OTEL_IMPACT_REQUESTS", "1000000"))
FILES = 4
BASELINE = """
import duckdb, sys
duckdb.execute("SET enable_progress_bar = false")
print(duckdb.sql(f"SELECT count(*) FROM read_json_objects('{sys.argv[1]}/*.json', format='newline_delimited',"
                 " maximum_object_size=16777216)").fetchall()[0][0])
"""


def _run(argv: list[str]) -> tuple[float, float, int, str]:
    started = time.perf_counter()
    """Wall seconds, CPU seconds, peak RSS in bytes and standard output of one child process."""
    # Standard error goes to a file, so that reading standard output to its end cannot block on it.
    with tempfile.TemporaryFile() as err_file:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err_file)
        assert child.stdout is not None
        out = child.stdout.read()
        child.stdout.close()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        err_file.seek(0)
        err = err_file.read()
    wall = time.perf_counter() - started
    assert child.returncode == 0, err.decode()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, out.decode()


@pytest.mark.slow
def test_a_million_requests_from_files(tmp_path: Path, report: Callable[[str], None]) -> None:
    folder = tmp_path / "traces"
    size = write_trace_files(folder, REQUESTS, files=FILES)
    command = [str(Path(sys.executable).parent / "ff-otel"), "impact", "--json"]

    base_wall, base_cpu, _, lines = _run([sys.executable, "-c", BASELINE, str(folder)])
    wall, cpu, rss, out = _run([*command, str(folder)])
    quarter_wall, _, quarter_rss, quarter_out = _run([*command, str(folder / "traces-0.json")])

    document = json.loads(out)
    assert sum(v["requests"] for v in document["flags"][0]["variants"]) == REQUESTS
    checkout = next(flag for flag in document["flags"] if flag["flag"] == "new-checkout")
    assert next(v for v in checkout["variants"] if v["variant"] == "on")["findings"] == ["slower", "more errors"]
    assert json.loads(quarter_out)["flags"]
    assert int(lines) > 0
    memory_ratio = rss / quarter_rss
    report(
        f"impact: {REQUESTS:,} requests ({size / 1e9:.2f} GB in {FILES} files): {wall:.1f} s wall, {cpu:.1f} s CPU"
        f" = {cpu / 2:.1f} s on 2 cores; {REQUESTS / wall:,.0f} requests/s"
    )
    report(
        f"impact: time ratio against DuckDB splitting the same lines: {wall / base_wall:.2f} (CPU {cpu / base_cpu:.2f})"
    )
    report(
        f"impact: peak RSS {rss / 1e6:.0f} MB for all files, {quarter_rss / 1e6:.0f} MB for a quarter"
        f" ({quarter_wall:.1f} s): ratio {memory_ratio:.2f} (target < 1.5: flat)"
    )
    assert memory_ratio < 1.5
