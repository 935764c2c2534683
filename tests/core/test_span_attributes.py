"""Valid attributes set without the SDK's cleaning end up exactly as the SDK's own `set_attributes` leaves them."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.util.types import AttributeValue

from ff_otel._span_attributes import set_valid_attributes

SUMMARY: dict[str, AttributeValue] = {
    "ff_otel.flags": ("new-checkout=on", "banner=red"),
    "ff_otel.flags.count": 2,
    "ff_otel.evaluations": 5,
}


def both_ways(limits: SpanLimits, before: dict[str, object]) -> tuple[object, object]:
    """The exported attributes (and dropped count) of a span given `before` then the summary, through each path."""
    results = []
    for setter in (lambda span, values: span.set_attributes(values), set_valid_attributes):
        exporter = InMemorySpanExporter()
        provider = TracerProvider(span_limits=limits)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        with provider.get_tracer("t").start_as_current_span("request") as span:
            span.set_attributes(before)  # type: ignore[arg-type]
            setter(span, dict(SUMMARY))
        (finished,) = exporter.get_finished_spans()
        results.append((list((finished.attributes or {}).items()), finished.dropped_attributes))
    return results[0], results[1]


@pytest.mark.parametrize(
    ("limits", "before"),
    [
        (SpanLimits(), {"http.route": "/x"}),
        (SpanLimits(), {"ff_otel.evaluations": 1, "http.route": "/x"}),  # overwritten: moves to the end
        (SpanLimits(max_span_attributes=3), {"a": 1, "b": 2}),  # full: the oldest are dropped and counted
        (SpanLimits(max_span_attribute_length=4), {"a": "long value"}),  # a length limit: the SDK's own path cuts
    ],
)
def test_the_span_holds_what_the_sdk_would_have_stored(limits: SpanLimits, before: dict[str, object]) -> None:
    public, fast = both_ways(limits, before)
    assert fast == public


def test_an_ended_span_is_left_alone_with_the_sdks_warning(caplog: pytest.LogCaptureFixture) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    span = provider.get_tracer("t").start_span("request")
    span.end()

    with caplog.at_level(logging.WARNING):
        set_valid_attributes(span, dict(SUMMARY))

    assert "ended span" in caplog.text
    assert not exporter.get_finished_spans()[0].attributes
