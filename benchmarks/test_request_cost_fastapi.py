"""The cost of one FastAPI request that evaluates five flags, with and without OpenTelemetry and ff-otel.

Targets: instrumentation + ff-otel adapter at or below instrumentation + TracingHook; the adapter's own work
(identity, context, summary: the gap from "ff-otel hook only" to "ff-otel adapter") under 3% of an instrumented
request.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._fastapi_app import fastapi_sender
from benchmarks._requests import CASES, Traces, measure


@pytest.mark.usefixtures("five_flags")
@pytest.mark.parametrize("case", CASES)
def test_request(benchmark: Any, case: str) -> None:
    traces = Traces()
    with fastapi_sender(case, traces) as send:
        measure(benchmark, "FastAPI", case, send, traces)
