"""Metrics as a service in production exports them: a Prometheus endpoint to scrape, and OTLP to a collector.

The Prometheus port and the OTLP endpoint and interval come from the environment, which the test sets.
"""

from __future__ import annotations

import os

from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from prometheus_client import start_http_server

PROMETHEUS_PORT_ENV = "IMPACT_PROMETHEUS_PORT"
"""The port of 127.0.0.1 on which the app serves `/metrics` for Prometheus to scrape."""

SLOW_SECONDS = 2.6
"""How long the new checkout takes: past the 2.5 s bucket boundary whatever the machine's load."""


def configure_metrics(service_name: str) -> None:
    """Set the global meter provider: read by Prometheus over HTTP, and exported over OTLP/HTTP periodically."""
    resource = Resource.create({"service.name": service_name})
    readers = [PrometheusMetricReader(), PeriodicExportingMetricReader(OTLPMetricExporter())]
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    start_http_server(int(os.environ[PROMETHEUS_PORT_ENV]), addr="127.0.0.1")
