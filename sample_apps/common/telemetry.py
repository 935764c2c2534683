"""The OpenTelemetry SDK for a sample app: console output by default, OTLP when the standard variables ask.

Set ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the per-signal ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` and
``OTEL_EXPORTER_OTLP_LOGS_ENDPOINT``) to send traces, logs and metrics over OTLP/HTTP; the exporters read the
other ``OTEL_EXPORTER_OTLP_*`` and ``OTEL_BSP_*`` / ``OTEL_BLRP_*`` variables themselves. The SDK flushes what
it holds when the process exits.
"""

from __future__ import annotations

import os

from opentelemetry import _logs, metrics, trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter, LogRecordExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

_OTLP_VARIABLES = (
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",
)


def uses_otlp() -> bool:
    """True when the environment names an OTLP endpoint."""
    return any(os.environ.get(name) for name in _OTLP_VARIABLES)


def configure_telemetry(service_name: str) -> None:
    """Set the global tracer, logger and (with OTLP) meter providers for this process.

    ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES`` win over `service_name`.
    """
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service_name})
    span_exporter: SpanExporter
    log_exporter: LogRecordExporter
    if uses_otlp():
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter, log_exporter = OTLPSpanExporter(), OTLPLogExporter()
        # Console metrics would print a large block every minute; they go out only where someone collects them.
        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=[reader]))
    else:
        span_exporter, log_exporter = ConsoleSpanExporter(), ConsoleLogRecordExporter()

    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
    _logs.set_logger_provider(logger_provider)
