"""ff-otel's way of adding an event stores exactly what the SDK's public `add_event` stores, or uses it."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.trace import ReadableSpan, SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ff_otel import _span_event
from ff_otel._span_event import add_event

ATTRIBUTES: list[dict[str, Any]] = [
    {"feature_flag.key": "new-checkout", "feature_flag.result.variant": "on", "feature_flag.result.reason": "static"},
    {"feature_flag.key": "max-items", "feature_flag.result.value": 10, "feature_flag.result.reason": "default"},
    {"feature_flag.key": "ratio", "feature_flag.result.value": 0.25, "error.type": "type_mismatch"},
    {"feature_flag.key": "on", "feature_flag.result.value": True, "feature_flag.context.id": "ü-42" * 40},
    {"feature_flag.key": "listed", "feature_flag.result.value": ("a", "b")},  # not plain: the public path
    {},
]


def _spans(limits: SpanLimits) -> tuple[ReadableSpan, ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=limits)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tests")
    for name, add in (("ours", add_event), ("public", None)):
        with tracer.start_as_current_span(name) as span:
            for attributes in ATTRIBUTES:
                if add is None:
                    span.add_event("feature_flag.evaluation", dict(attributes))
                else:
                    add(span, "feature_flag.evaluation", dict(attributes))
    ours, public = exporter.get_finished_spans()
    return ours, public


@pytest.mark.parametrize(
    "limits",
    [SpanLimits(), SpanLimits(max_attribute_length=8), SpanLimits(max_event_attributes=2), SpanLimits(max_events=3)],
    ids=["defaults", "value length limit", "attribute count limit", "event count limit"],
)
def test_the_stored_and_exported_events_are_the_ones_add_event_makes(limits: SpanLimits) -> None:
    ours, public = _spans(limits)
    assert [(e.name, dict(e.attributes or {}), e.dropped_attributes) for e in ours.events] == [
        (e.name, dict(e.attributes or {}), e.dropped_attributes) for e in public.events
    ]
    assert ours.dropped_events == public.dropped_events
    for event in ours.events:
        with pytest.raises(TypeError):
            event.attributes["feature_flag.key"] = "changed"  # type: ignore[index]

    def wire(span: ReadableSpan) -> list[bytes]:
        (resource_spans,) = encode_spans([span]).resource_spans
        (scope_spans,) = resource_spans.scope_spans
        (encoded,) = scope_spans.spans
        for event in encoded.events:
            event.time_unix_nano = 0
        return [event.SerializeToString() for event in encoded.events]

    assert wire(ours) == wire(public)


def test_the_installed_sdk_passes_the_shape_check() -> None:
    # Otherwise every event would take the public path: correct, but at the SDK's full cost.
    assert _span_event._check() is not None


_PROBE_UNDER_HOSTILE_SETTINGS = """
from opentelemetry.sdk.trace import TracerProvider
from ff_otel import _span_event
with TracerProvider().get_tracer("app").start_as_current_span("current"):  # not sampled, by the environment
    print(_span_event._check() is not None)
"""


def test_the_shape_check_holds_whatever_the_environment_sets_for_spans() -> None:
    # An application may turn sampling off and limit attributes through the environment for its own provider: the
    # check's probes still record, with limits of their own, so the fast path stays on for spans it fits.
    environment = {
        **os.environ,
        "OTEL_TRACES_SAMPLER": "always_off",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "3",
        "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT": "1",
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE_UNDER_HOSTILE_SETTINGS],
        check=True,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["True"]
