"""Metrics as a service in production exports them: a Prometheus endpoint to scrape, and OTLP to a collector.

The Prometheus endpoint's listening socket (bound by the test, inherited by the app) and the OTLP endpoint and
interval come from the environment, which the test sets.
"""

from __future__ import annotations

import os
import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from prometheus_client import make_wsgi_app

from tests._support.servers import HOST, adopt_socket

PROMETHEUS_FD_ENV = "IMPACT_PROMETHEUS_FD"
"""The file descriptor of the listening socket on which the app serves `/metrics` for Prometheus to scrape."""

SLOW_SECONDS = 2.6
"""How long the new checkout takes: past the 2.5 s bucket boundary whatever the machine's load."""


def configure_metrics(service_name: str) -> None:
    """Set the global meter provider: read by Prometheus over HTTP, and exported over OTLP/HTTP periodically."""
    resource = Resource.create({"service.name": service_name})
    readers = [PrometheusMetricReader(), PeriodicExportingMetricReader(OTLPMetricExporter())]
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    _serve_prometheus(socket.socket(fileno=int(os.environ[PROMETHEUS_FD_ENV])))


class _MetricsServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the server's log is the app's."""


def _serve_prometheus(sock: socket.socket) -> None:
    """Serve the Prometheus client's `/metrics` on `sock` from a daemon thread, as `start_http_server` would."""
    server = _MetricsServer((HOST, 0), _QuietHandler, bind_and_activate=False)
    adopt_socket(server, sock)
    server.set_app(make_wsgi_app())
    threading.Thread(target=server.serve_forever, name="prometheus-metrics", daemon=True).start()
