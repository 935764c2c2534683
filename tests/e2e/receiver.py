"""An OTLP/HTTP receiver on 127.0.0.1: decodes what the exporters send, the way a collector would.

It keeps every decoded span, log record and histogram point, every raw body (to scan for secrets), and every
export attempt, and can be switched to misbehave: answer slowly, answer 500, or stop listening altogether. With
`trace_file` set, it also appends every accepted traces request to that file as the Collector's `file` exporter
would.
"""

from __future__ import annotations

import dataclasses
import gzip
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from tests.e2e.otlp_json import file_exporter_line

Mode = Literal["ok", "slow", "error"]


def any_value(value: AnyValue) -> Any:
    """The Python value of an OTLP AnyValue."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes(value.kvlist_value.values)
    return None if kind is None else getattr(value, kind)


def attributes(pairs: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for pair in pairs:
        assert isinstance(pair, KeyValue)
        decoded[pair.key] = any_value(pair.value)
    return decoded


@dataclasses.dataclass(frozen=True)
class Event:
    name: str
    attributes: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ReceivedSpan:
    trace_id: str
    span_id: str
    name: str
    server: bool
    attributes: dict[str, Any]
    events: tuple[Event, ...]


@dataclasses.dataclass(frozen=True)
class ReceivedLog:
    event_name: str
    trace_id: str
    attributes: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ReceivedHistogramPoint:
    """One histogram data point as exported (cumulative: each export repeats every stream so far)."""

    name: str
    resource: dict[str, Any]
    attributes: dict[str, Any]
    time_unix_nano: int
    count: int
    explicit_bounds: tuple[float, ...]
    bucket_counts: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One export request as it arrived: what it carried and how it was answered."""

    path: str
    status: int
    spans: tuple[tuple[str, str], ...]  # (trace id, span id) of every span it carried


class Receiver:
    """Start with `start()`, stop with `stop()`; `mode` and `down()`/`up()` switch faults on and off."""

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.slow_seconds = 0.0
        self.port = 0
        self.trace_file: Path | None = None
        """When set, accepted traces requests are appended here as OTLP JSON lines (the file exporter's format)."""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.clear()

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.spans: list[ReceivedSpan] = []
            self.logs: list[ReceivedLog] = []
            self.histograms: list[ReceivedHistogramPoint] = []
            self.bodies: list[bytes] = []
            self.attempts: list[Attempt] = []

    def start(self) -> None:
        """Listen (on the same port as before, after `down()`) and serve in a thread."""
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.receiver = self
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening: exporters now get connection errors."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    down = stop
    up = start

    def wait_for(self, condition: Any, timeout: float) -> bool:
        """Poll `condition(self)` until it is true or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if condition(self):
                    return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)

    def snapshot(self) -> tuple[list[ReceivedSpan], list[ReceivedLog], list[bytes], list[Attempt]]:
        with self._lock:
            return list(self.spans), list(self.logs), list(self.bodies), list(self.attempts)

    def histogram_points(self) -> list[ReceivedHistogramPoint]:
        with self._lock:
            return list(self.histograms)

    def receive(self, path: str, body: bytes) -> int:
        """Decode one export request and answer it as the current mode says; returns the status code."""
        mode, delay = self.mode, self.slow_seconds
        histograms: list[ReceivedHistogramPoint] = []
        if path == "/v1/traces":
            spans = _decode_spans(body)
            logs: list[ReceivedLog] = []
        elif path == "/v1/logs":
            spans, logs = [], _decode_logs(body)
        elif path == "/v1/metrics":
            spans, logs, histograms = [], [], _decode_histograms(body)
        else:
            return 404
        status = 500 if mode == "error" else 200
        with self._lock:
            self.bodies.append(body)
            self.attempts.append(Attempt(path, status, tuple((span.trace_id, span.span_id) for span in spans)))
            if status == 200 and mode == "ok":
                self.spans.extend(spans)
                self.logs.extend(logs)
                self.histograms.extend(histograms)
                if self.trace_file is not None and path == "/v1/traces":
                    _append_line(self.trace_file, body)
        if mode == "slow":
            time.sleep(delay)
        return status


def _append_line(path: Path, body: bytes) -> None:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(file_exporter_line(request))


def _decode_spans(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    return [
        ReceivedSpan(
            trace_id=span.trace_id.hex(),
            span_id=span.span_id.hex(),
            name=span.name,
            server=span.kind == Span.SPAN_KIND_SERVER,
            attributes=attributes(span.attributes),
            events=tuple(Event(event.name, attributes(event.attributes)) for event in span.events),
        )
        for resource_spans in request.resource_spans
        for scope_spans in resource_spans.scope_spans
        for span in scope_spans.spans
    ]


def _decode_logs(body: bytes) -> list[ReceivedLog]:
    request = ExportLogsServiceRequest()
    request.ParseFromString(body)
    return [
        ReceivedLog(record.event_name, record.trace_id.hex(), attributes(record.attributes))
        for resource_logs in request.resource_logs
        for scope_logs in resource_logs.scope_logs
        for record in scope_logs.log_records
    ]


def _decode_histograms(body: bytes) -> list[ReceivedHistogramPoint]:
    request = ExportMetricsServiceRequest()
    request.ParseFromString(body)
    return [
        ReceivedHistogramPoint(
            name=metric.name,
            resource=attributes(resource_metrics.resource.attributes),
            attributes=attributes(point.attributes),
            time_unix_nano=point.time_unix_nano,
            count=point.count,
            explicit_bounds=tuple(point.explicit_bounds),
            bucket_counts=tuple(point.bucket_counts),
        )
        for resource_metrics in request.resource_metrics
        for scope_metrics in resource_metrics.scope_metrics
        for metric in scope_metrics.metrics
        if metric.WhichOneof("data") == "histogram"
        for point in metric.histogram.data_points
    ]


_RESPONSES = {
    "/v1/traces": ExportTraceServiceResponse().SerializeToString(),
    "/v1/logs": ExportLogsServiceResponse().SerializeToString(),
    "/v1/metrics": ExportMetricsServiceResponse().SerializeToString(),
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    receiver: Receiver


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        status = self.server.receiver.receive(self.path, body)
        payload = _RESPONSES.get(self.path, b"") if status == 200 else b""
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the exporter gave up waiting (the slow fault) and closed the connection
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read what was received, not an access log."""
