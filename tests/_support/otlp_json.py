"""OTLP in its JSON mapping: file-exporter lines written from export requests, and JSON export bodies read back.

The OpenTelemetry Collector's `file` exporter writes one ExportTraceServiceRequest (or ExportLogsServiceRequest)
per line, in the OTLP/JSON mapping: camelCase field names, enums as integers, 64-bit integers as strings, and
trace and span ids as lowercase hex (not protobuf's usual base64). OTLP/HTTP exporters that send JSON use the
same mapping.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.trace import ReadableSpan

_IDS = ("traceId", "spanId", "parentSpanId")
_M = TypeVar("_M", bound=Message)


def file_exporter_line(request: Message) -> str:
    """One line of the file exporter's output for an export `request` (traces or logs), newline included."""
    document = MessageToDict(request, use_integers_for_enums=True)
    for record in _records_with_ids(document):
        _hex_ids(record)
    return json.dumps(document, separators=(",", ":")) + "\n"


def request_from_json(body: bytes, kind: type[_M]) -> _M:
    """An OTLP/HTTP JSON export body as the export request `kind` it encodes (hex ids, as OTLP/JSON has them)."""
    document = json.loads(body)
    for record in _records_with_ids(document):
        _base64_ids(record)
    request = kind()
    ParseDict(document, request)
    return request


def _records_with_ids(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every span, span link and log record of an export request in the JSON mapping: what carries ids."""
    found: list[dict[str, Any]] = []
    for resource_spans in document.get("resourceSpans", ()):
        for scope_spans in resource_spans.get("scopeSpans", ()):
            for span in scope_spans.get("spans", ()):
                found.append(span)
                found.extend(span.get("links", ()))
    for resource_logs in document.get("resourceLogs", ()):
        for scope_logs in resource_logs.get("scopeLogs", ()):
            found.extend(scope_logs.get("logRecords", ()))
    return found


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


def _base64_ids(record: dict[str, Any]) -> None:
    for name in _IDS:
        if name in record:
            record[name] = base64.b64encode(bytes.fromhex(record[name])).decode()
