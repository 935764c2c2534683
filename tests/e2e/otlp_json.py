"""OTLP traces and logs as JSON lines, the way the OpenTelemetry Collector's `file` exporter writes them.

One ExportTraceServiceRequest (or ExportLogsServiceRequest) per line, in the OTLP/JSON mapping: camelCase field
names, enums as integers, 64-bit integers as strings, and trace and span ids as lowercase hex (not protobuf's
usual base64).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.trace import ReadableSpan

_IDS = ("traceId", "spanId", "parentSpanId")


def file_exporter_line(request: Message) -> str:
    """One line of the file exporter's output for an export `request` (traces or logs), newline included."""
    document = MessageToDict(request, use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", ()):
        for scope_spans in resource_spans.get("scopeSpans", ()):
            for span in scope_spans.get("spans", ()):
                _hex_ids(span)
                for link in span.get("links", ()):
                    _hex_ids(link)
    for resource_logs in document.get("resourceLogs", ()):
        for scope_logs in resource_logs.get("scopeLogs", ()):
            for record in scope_logs.get("logRecords", ()):
                _hex_ids(record)
    return json.dumps(document, separators=(",", ":")) + "\n"


def spans_line(spans: Sequence[ReadableSpan]) -> str:
    """One line for SDK spans, encoded by the OTLP exporter's own encoder."""
    return file_exporter_line(encode_spans(spans))


def logs_line(records: Sequence[ReadableLogRecord]) -> str:
    """One line for SDK log records, encoded by the OTLP exporter's own encoder."""
    return file_exporter_line(encode_logs(records))


def _hex_ids(record: dict[str, Any]) -> None:
    for name in _IDS:
        if name in record:
            record[name] = base64.b64decode(record[name]).hex()
