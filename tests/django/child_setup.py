"""What a real server process of the test project sets up: flags, ff-otel's telemetry to a JSON-lines file.

The tests start gunicorn and uvicorn in child processes; spans cannot reach the test process's in-memory
exporters, so the child writes each finished span as one JSON line to FF_OTEL_TEST_SPANS.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

SPANS_FILE_ENV = "FF_OTEL_TEST_SPANS"

FLAGS = {
    "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
    "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
}


class JsonLinesSpanExporter(SpanExporter):
    """Appends each span as one line of JSON; one lock, so threads never interleave lines."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = "".join(span.to_json(indent=None) + "\n" for span in spans)
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write(lines)
        return SpanExportResult.SUCCESS


def configure_from_environment() -> None:
    """Set up telemetry and flags when the tests started this process; do nothing otherwise."""
    path = os.environ.get(SPANS_FILE_ENV)
    if not path:
        return
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(path)))
    trace.set_tracer_provider(provider)
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))
