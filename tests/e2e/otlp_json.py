"""OTLP traces as JSON lines, the way the OpenTelemetry Collector's `file` exporter writes them.

One ExportTraceServiceRequest per line, in the OTLP/JSON mapping: camelCase field names, enums as integers,
64-bit integers as strings, and trace and span ids as lowercase hex (not protobuf's usual base64).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan

_IDS = ("traceId", "spanId", "parentSpanId")


def file_exporter_line(request: ExportTraceServiceRequest) -> str:
    """One line of the file exporter's output for `request`, newline included."""
    document = MessageToDict(request, use_integers_for_enums=True)
    for resource_spans in document.get("resourceSpans", ()):
        for scope_spans in resource_spans.get("scopeSpans", ()):
            for span in scope_spans.get("spans", ()):
                _hex_ids(span)
                for link in span.get("links", ()):
                    _hex_ids(link)
    return json.dumps(document, separators=(",", ":")) + "\n"


def spans_line(spans: Sequence[ReadableSpan]) -> str:
    """One line for SDK spans, encoded by the OTLP exporter's own encoder."""
    return file_exporter_line(encode_spans(spans))


def _hex_ids(record: dict[str, Any]) -> None:
    for name in _IDS:
        if name in record:
            record[name] = base64.b64decode(record[name]).hex()
