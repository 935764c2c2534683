"""Benchmark set-up, and a closing table of every case as a ratio against its group's baseline.

Times vary from machine to machine; ratios measured in one process and one run vary much less.
Run: ``.venv/bin/python -m pytest benchmarks --benchmark-enable``
"""

from __future__ import annotations

from typing import Any

import pytest


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is None or not session.benchmarks:
        return
    groups: dict[str, list[Any]] = {}
    for bench in session.benchmarks:
        groups.setdefault(bench.group or "", []).append(bench)
    terminalreporter.section("ratios against each group's baseline (medians)")
    for group, benches in groups.items():
        baseline = next((b for b in benches if b.extra_info.get("baseline")), None)
        if baseline is None:
            continue
        terminalreporter.write_line(f"{group}")
        for bench in sorted(benches, key=lambda b: b.stats.median):
            ratio = bench.stats.median / baseline.stats.median
            case = bench.extra_info["case"]
            terminalreporter.write_line(f"  {ratio:5.2f}  {case:<32} {bench.stats.median * 1e6:9.2f} us")
