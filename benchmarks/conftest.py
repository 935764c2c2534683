"""Set-up of the memory soak, and its closing report.

The timing tables come from ``python -m benchmarks`` (interleaved rounds in one process, see `__main__`).
Run the soak: ``.venv/bin/python -m pytest benchmarks`` (20,000 requests per adapter;
``FF_OTEL_SOAK_REQUESTS=100000`` runs the full soak).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openfeature import api
from openfeature.transaction_context import clear_transaction_context_propagator

import ff_otel
from benchmarks._flags import use_flags

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
    lines = config.stash.get(_REPORT, [])
    if lines:
        terminalreporter.section("figures")
        for line in lines:
            terminalreporter.write_line(line)
