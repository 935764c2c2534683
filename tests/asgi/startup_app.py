"""A FastAPI app that evaluates a flag at module level, right after `add_middleware`, before any request.

The OpenTelemetry SDK and the OpenFeature provider are set up at the top of the module, where an ASGI app
configures them; `print_records()` prints what the in-memory log exporter got, as JSON lines.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import _logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from ff_otel_asgi import FeatureFlagMiddleware

LOG_EXPORTER = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
_provider = LoggerProvider()
_provider.add_log_record_processor(SimpleLogRecordProcessor(LOG_EXPORTER))
_logs.set_logger_provider(_provider)
api.set_provider_and_wait(InMemoryProvider({"startup-flag": InMemoryFlag("on", {"on": True, "off": False})}))

app = FastAPI()
app.add_middleware(FeatureFlagMiddleware)

STARTUP_VALUE = api.get_client().get_boolean_value("startup-flag", False)


def print_records() -> None:
    """Print each exported log record's event name and attributes as one JSON line."""
    for record in LOG_EXPORTER.get_finished_logs():
        attributes = dict(record.log_record.attributes or {})
        print(json.dumps({"event_name": record.log_record.event_name, **attributes}))
