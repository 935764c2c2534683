"""Reading what a request exported."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from tests.conftest import Telemetry

CONTEXT_ID = "feature_flag.context.id"


def server_span(telemetry: Telemetry) -> ReadableSpan:
    """The one server span the request produced."""
    (span,) = [span for span in telemetry.spans() if span.kind is SpanKind.SERVER]
    return span


def context_ids(span: ReadableSpan) -> list[object]:
    """The context id of each flag evaluation event on `span` (None where there is none)."""
    return [
        (event.attributes or {}).get(CONTEXT_ID) for event in span.events if event.name == "feature_flag.evaluation"
    ]


def everything_exported(telemetry: Telemetry) -> str:
    """All exported spans and log records as one text, to search for what must never appear."""
    return "\n".join([span.to_json() for span in telemetry.spans()] + [log.to_json() for log in telemetry.logs()])
