"""A small OTLP/HTTP (protobuf) receiver on 127.0.0.1: what the sample app exports lands here."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Collection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from google.protobuf.json_format import MessageToDict
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

from ff_otel.integration import semconv
from sample_apps.demo.records import ExportedLog, ExportedSpan, ImpactSeries, impact_of, logs_of, spans_of


class Collector:
    """Receives OTLP/HTTP exports of traces, logs and the flag-impact histogram (other metrics are ignored).

    Usage::

        with Collector() as collector:
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.endpoint
            ...
            collector.spans(), collector.logs()
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received = threading.Condition(self._lock)
        self._spans: list[ExportedSpan] = []
        self._logs: list[ExportedLog] = []
        self._raw_spans: list[dict[str, Any]] = []
        self._raw_logs: list[dict[str, Any]] = []
        self._impact: dict[tuple[tuple[str, Any], ...], ImpactSeries] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="otlp-collector", daemon=True)

    @property
    def endpoint(self) -> str:
        """The base URL for ``OTEL_EXPORTER_OTLP_ENDPOINT``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Collector:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def spans(self) -> list[ExportedSpan]:
        with self._lock:
            return list(self._spans)

    def wait_for_traces(self, trace_ids: Collection[str], timeout: float) -> bool:
        """Wait until a span of each of `trace_ids` has arrived; False if some had not within `timeout` seconds."""
        wanted = set(trace_ids)
        with self._received:
            return self._received.wait_for(lambda: wanted <= {span.trace_id for span in self._spans}, timeout)

    def logs(self) -> list[ExportedLog]:
        with self._lock:
            return list(self._logs)

    def impact(self) -> list[ImpactSeries]:
        """Each stream of `ff_otel.request.duration` as last exported (its points are cumulative)."""
        with self._lock:
            return list(self._impact.values())

    def raw(self) -> dict[str, list[dict[str, Any]]]:
        """Everything received, in the OTLP/JSON shape (`resourceSpans`, `resourceLogs`)."""
        with self._lock:
            return {"resourceSpans": list(self._raw_spans), "resourceLogs": list(self._raw_logs)}

    def receive(self, path: str, body: bytes) -> bytes | None:
        """Store one export; the protobuf response to send, or None for an unknown path."""
        if path == "/v1/traces":
            traces = ExportTraceServiceRequest.FromString(body)
            with self._lock:
                self._spans.extend(spans_of(traces))
                self._raw_spans.extend(MessageToDict(traces).get("resourceSpans", []))
                self._received.notify_all()
            return ExportTraceServiceResponse().SerializeToString()
        if path == "/v1/logs":
            logs = ExportLogsServiceRequest.FromString(body)
            with self._lock:
                self._logs.extend(logs_of(logs))
                self._raw_logs.extend(MessageToDict(logs).get("resourceLogs", []))
            return ExportLogsServiceResponse().SerializeToString()
        if path == "/v1/metrics":
            series = impact_of(ExportMetricsServiceRequest.FromString(body), semconv.METRIC_REQUEST_DURATION)
            with self._lock:
                for one in series:
                    key = tuple(sorted(one.attributes.items()))
                    known = self._impact.get(key)
                    if known is None or known.time_ns <= one.time_ns:
                        self._impact[key] = one
            return ExportMetricsServiceResponse().SerializeToString()
        return None


def _handler_for(collector: Collector) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            response = collector.receive(self.path, body)
            if response is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the demo's own output is the report; no access log

    return Handler
