"""The cost of one request that evaluates five flags, with and without OpenTelemetry and ff-otel, per framework.

Targets: instrumentation + ff-otel adapter at or below instrumentation + TracingHook; the adapter's own work
(identity, context, summary: the gap from "ff-otel hook only" to "ff-otel adapter") under 3% of an instrumented
request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from benchmarks._django_app import django_sender
from benchmarks._fastapi_app import fastapi_sender
from benchmarks._flask_app import flask_sender
from benchmarks._requests import CASES, Send, Traces, measure

SENDERS: dict[str, Callable[[str, Traces], AbstractContextManager[Send]]] = {
    "Django": django_sender,
    "Flask": flask_sender,
    "FastAPI": fastapi_sender,
}


@pytest.mark.usefixtures("five_flags")
@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("framework", list(SENDERS))
def test_request(benchmark: Any, framework: str, case: str) -> None:
    traces = Traces()
    with SENDERS[framework](case, traces) as send:
        measure(benchmark, framework, case, send, traces)
