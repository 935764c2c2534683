"""Benchmark set-up, and a closing table of every case as a ratio against its group's baseline.

Times vary from machine to machine; ratios measured in one process and one run vary much less.
Run: ``.venv/bin/python -m pytest benchmarks --benchmark-enable`` (the memory soak serves 20,000 requests per
adapter; ``FF_OTEL_SOAK_REQUESTS=100000`` runs the full soak).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openfeature import api
from openfeature.transaction_context import clear_transaction_context_propagator

import ff_otel
from benchmarks._flags import use_flags
from benchmarks._requests import FF_OTEL, HOOK_ONLY, OFFICIAL, TRACING_HOOK

_REPORT = pytest.StashKey[list[str]]()


@pytest.fixture
def five_flags() -> Iterator[None]:
    """The five flags of the per-request endpoint; ff-otel, hooks and providers cleared afterwards."""
    use_flags()
    yield
    ff_otel.uninstall()
    api.clear_hooks()
    api.clear_providers()
    clear_transaction_context_propagator()


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Adds a line to the closing summary (for figures that are not timings, such as memory growth)."""
    lines = request.config.stash.setdefault(_REPORT, [])
    return lines.append


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    session = getattr(config, "_benchmarksession", None)
    if session is not None and session.benchmarks:
        _write_ratios(terminalreporter, session.benchmarks)
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)


def _write_ratios(terminalreporter: Any, benchmarks: list[Any]) -> None:
    groups: dict[str, list[Any]] = {}
    for bench in benchmarks:
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
            terminalreporter.write_line(f"  {ratio:5.2f}  {case:<36} {bench.stats.median * 1e6:9.2f} us")
        _write_request_targets(terminalreporter, {b.extra_info["case"]: b.stats.median for b in benches})


def _write_request_targets(terminalreporter: Any, medians: dict[str, float]) -> None:
    """The per-request targets: ff-otel against TracingHook, and the adapter's own share of a request."""
    if not {OFFICIAL, TRACING_HOOK, HOOK_ONLY, FF_OTEL} <= medians.keys():
        return
    against_tracing_hook = medians[FF_OTEL] / medians[TRACING_HOOK]
    own_work = (medians[FF_OTEL] - medians[HOOK_ONLY]) / medians[OFFICIAL]
    terminalreporter.write_line(f"  target: {FF_OTEL} / {TRACING_HOOK} = {against_tracing_hook:.3f} (<= 1)")
    terminalreporter.write_line(f"  target: adapter's own work = {own_work:+.1%} of an instrumented request (< 3%)")
