"""The tests' OTLP/HTTP receiver on 127.0.0.1: decodes what the exporters send, the way a collector would.

Protobuf or JSON bodies (`Content-Type`), gzip or deflate, on `/v1/traces`, `/v1/logs` and `/v1/metrics`, decoded
by the repository's one OTLP decoder (`sample_apps.demo.records`). It keeps every decoded span, log record and
histogram point, every raw body (to scan for secrets), and every export attempt, and can be switched to
misbehave: answer slowly, answer 500, or stop listening altogether. With `trace_file` set, it also appends every
accepted traces request to that file as the Collector's `file` exporter would.

Usage::

    receiver = Receiver()
    receiver.start()
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.endpoint
    ...
    assert receiver.wait_for(lambda r: len(r.logs) >= 2, timeout=10)
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

from google.protobuf.message import Message
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

from sample_apps.demo.records import ExportedLog, ExportedSpan, HistogramPoint, histograms_of, logs_of, spans_of
from tests._support.otlp_json import file_exporter_line, request_from_json
from tests._support.servers import HOST, adopt_socket, bound_socket, port_of

Mode = Literal["ok", "slow", "error"]
JSON = "application/json"

_REQUESTS: dict[str, type[Message]] = {
    "/v1/traces": ExportTraceServiceRequest,
    "/v1/logs": ExportLogsServiceRequest,
    "/v1/metrics": ExportMetricsServiceRequest,
}
_RESPONSES: dict[str, Message] = {
    "/v1/traces": ExportTraceServiceResponse(),
    "/v1/logs": ExportLogsServiceResponse(),
    "/v1/metrics": ExportMetricsServiceResponse(),
}


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One export request as it arrived: what it carried and how it was answered."""

    path: str
    status: int
    spans: tuple[tuple[str, str], ...]  # (trace id, span id) of every span it carried
    server_traces: frozenset[str] = frozenset()  # the traces whose server span it carried


class Receiver:
    """Start with `start()`, stop with `stop()`; `mode` and `down()`/`up()` switch faults on and off.

    Its port is held from construction to `stop()`, down or not: while down, connections are refused, and no
    other process can take the port before `up()`.
    """

    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.slow_seconds = 0.0
        self.trace_file: Path | None = None
        """When set, accepted traces requests are appended here as OTLP JSON lines (the file exporter's format)."""
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._held: socket.socket | None = (
            bound_socket()
        )  # bound, not listening: the port is ours, connections are refused
        self.port = port_of(self._held)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.clear()

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self.port}"

    def clear(self) -> None:
        with self._lock:
            self.spans: list[ExportedSpan] = []
            self.logs: list[ExportedLog] = []
            self.histograms: list[HistogramPoint] = []
            self.bodies: list[bytes] = []
            self.attempts: list[Attempt] = []

    def up(self) -> None:
        """Listen on the receiver's port and serve in a thread."""
        if self._server is not None:
            return
        listener = bound_socket(self.port)
        listener.listen(128)
        if self._held is not None:
            self._held.close()
            self._held = None
        server = _Server((HOST, self.port), _Handler, bind_and_activate=False)
        adopt_socket(server, listener)
        server.receiver = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening but keep the port: exporters now get connection refused."""
        if self._held is None:
            self._held = bound_socket(self.port)
        self._close_server()

    start = up

    def stop(self) -> None:
        """Stop listening and give the port back."""
        self._close_server()
        if self._held is not None:
            self._held.close()
            self._held = None

    def _close_server(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def wait_for(self, condition: Callable[[Receiver], bool], timeout: float) -> bool:
        """Wait until `condition(self)` holds, checked after every export that arrives; False after `timeout` s."""
        with self._changed:
            return self._changed.wait_for(lambda: condition(self), timeout)

    def snapshot(self) -> tuple[list[ExportedSpan], list[ExportedLog], list[bytes], list[Attempt]]:
        with self._lock:
            return list(self.spans), list(self.logs), list(self.bodies), list(self.attempts)

    def histogram_points(self) -> list[HistogramPoint]:
        with self._lock:
            return list(self.histograms)

    def receive(self, path: str, body: bytes, content_type: str = "") -> int:
        """Decode one export request and answer it as the current mode says; returns the status code."""
        mode, delay = self.mode, self.slow_seconds
        kind = _REQUESTS.get(path)
        if kind is None:
            return 404
        request = request_from_json(body, kind) if content_type.startswith(JSON) else kind.FromString(body)
        spans = spans_of(request) if isinstance(request, ExportTraceServiceRequest) else []
        logs = logs_of(request) if isinstance(request, ExportLogsServiceRequest) else []
        histograms = histograms_of(request) if isinstance(request, ExportMetricsServiceRequest) else []
        status = 500 if mode == "error" else 200
        with self._changed:
            self.bodies.append(body)
            carried = tuple((span.trace_id, span.span_id) for span in spans)
            self.attempts.append(Attempt(path, status, carried, frozenset(s.trace_id for s in spans if s.server)))
            if status == 200 and mode == "ok":
                self.spans.extend(spans)
                self.logs.extend(logs)
                self.histograms.extend(histograms)
                if self.trace_file is not None and isinstance(request, ExportTraceServiceRequest):
                    with self.trace_file.open("a", encoding="utf-8") as stream:
                        stream.write(file_exporter_line(request))
            self._changed.notify_all()
        if mode == "slow":
            time.sleep(delay)  # the fault itself: a collector that answers late, so exporters time out
        return status


class _Server(ThreadingHTTPServer):
    daemon_threads = True
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
        content_type = self.headers.get("Content-Type", "")
        status = self.server.receiver.receive(self.path, body, content_type)
        response = _RESPONSES.get(self.path)
        if status != 200 or response is None:
            payload = b""
        elif content_type.startswith(JSON):
            payload = json.dumps({}).encode()
        else:
            payload = response.SerializeToString()
        try:
            self.send_response(status)
            self.send_header("Content-Type", JSON if content_type.startswith(JSON) else "application/x-protobuf")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the exporter gave up waiting (the slow fault) and closed the connection
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read what was received, not an access log."""
