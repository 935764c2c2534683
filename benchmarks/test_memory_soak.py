"""Memory soak: many requests through each adapter, exporting every span to a real in-memory exporter.

Targets: RSS growth under 5 MB after warm-up, and no object left behind per request (tracemalloc snapshot diff).
By default each adapter serves 20,000 requests; ``FF_OTEL_SOAK_REQUESTS=100000`` runs the full soak.
"""

from __future__ import annotations

import gc
import os
import tracemalloc
from collections.abc import Callable

import pytest

from benchmarks._django_app import django_sender
from benchmarks._fastapi_app import fastapi_sender
from benchmarks._flask_app import flask_sender
from benchmarks._requests import ADAPTER_ALONE, FF_OTEL, Send, Traces, check_recorded, send_checked

SOAK_REQUESTS = int(os.environ.get("FF_OTEL_SOAK_REQUESTS", "20000"))
WARM_UP_REQUESTS = 2_000
TRACED_REQUESTS = 2_000
"""Requests between the two tracemalloc snapshots (tracing makes them several times slower)."""
EXPORT_BATCH = 100
"""The exporter is checked and emptied every this many requests, as an exporting span processor would."""
RSS_LIMIT = 5 * 1024 * 1024

SENDERS = {"Django": django_sender, "Flask": flask_sender, "FastAPI": fastapi_sender}


def _serve(send: Send, traces: Traces, case: str, requests: int) -> None:
    """Send `requests` requests, checking what each batch exported before the exporter is emptied."""
    for done in range(requests):
        send()
        if done % EXPORT_BATCH == EXPORT_BATCH - 1 or done == requests - 1:
            spans = traces.spans()
            # Every request's server span was exported; the last one must carry its events and summary.
            batch = done % EXPORT_BATCH + 1
            assert sum(span.parent is None for span in spans) == batch
            check_recorded(case, tuple(span for span in spans if span.context.trace_id == spans[-1].context.trace_id))
            traces.clear()


def _rss() -> int:
    """The resident set size of this process, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.slow
@pytest.mark.usefixtures("five_flags")
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
@pytest.mark.parametrize("case", [ADAPTER_ALONE, FF_OTEL])
@pytest.mark.parametrize("framework", list(SENDERS))
def test_soak(framework: str, case: str, report: Callable[[str], None]) -> None:
    traces = Traces()
    with SENDERS[framework](case, traces) as send:
        send_checked(send, case, traces)
        _serve(send, traces, case, WARM_UP_REQUESTS)
        gc.collect()
        rss_before = _rss()
        _serve(send, traces, case, SOAK_REQUESTS)
        gc.collect()
        growth = _rss() - rss_before

        tracemalloc.start()
        try:
            _serve(send, traces, case, EXPORT_BATCH)
            gc.collect()
            before = tracemalloc.take_snapshot()
            _serve(send, traces, case, TRACED_REQUESTS)
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()

    differences = after.compare_to(before, "lineno")
    kept = sum(difference.size_diff for difference in differences)
    # Anything allocated once per request and kept shows up as one allocation site grown by about that many blocks.
    per_request = [difference for difference in differences if difference.count_diff >= TRACED_REQUESTS // 2]
    report(
        f"{framework}, {case}: RSS {growth / 1024 / 1024:+.2f} MB over {SOAK_REQUESTS:,} requests after "
        f"{WARM_UP_REQUESTS:,} of warm-up; tracemalloc {kept / 1024:+.1f} KiB kept over {TRACED_REQUESTS:,}, "
        f"largest site {max((d.count_diff for d in differences), default=0):+d} blocks"
    )
    assert not per_request, "objects left behind per request:\n" + "\n".join(map(str, per_request[:10]))
    assert growth < RSS_LIMIT, f"RSS grew by {growth / 1024 / 1024:.2f} MB"
