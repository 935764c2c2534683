"""The tests' OTLP receiver reads what the real OTLP/HTTP exporter sends, and the same export as OTLP/JSON alike."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests._support.otlp_json import file_exporter_line
from tests._support.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    try:
        yield found
    finally:
        found.stop()


def _spans() -> tuple[ReadableSpan, ...]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer("tests").start_as_current_span("GET /checkout", kind=SpanKind.SERVER) as span:
        span.add_event("feature_flag.evaluation", {"feature_flag.key": "new-checkout", "n": 3, "on": True})
    return exporter.get_finished_spans()


def test_protobuf_and_json_exports_decode_to_the_same_spans(receiver: Receiver) -> None:
    spans = _spans()
    assert OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces").export(spans).name == "SUCCESS"
    body = file_exporter_line(encode_spans(spans)).encode()
    request = urllib.request.Request(f"{receiver.endpoint}/v1/traces", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    from_protobuf, from_json = receiver.snapshot()[0]
    assert from_json == from_protobuf
    assert from_json.server
    assert from_json.trace_id == format(spans[0].context.trace_id, "032x")
    assert [(event.name, dict(event.attributes)) for event in from_json.events] == [
        ("feature_flag.evaluation", {"feature_flag.key": "new-checkout", "n": 3, "on": True})
    ]


def test_down_refuses_connections_and_up_serves_on_the_same_port(receiver: Receiver) -> None:
    port = receiver.port
    receiver.down()
    with pytest.raises(urllib.error.URLError) as refused:
        urllib.request.urlopen(f"{receiver.endpoint}/v1/traces", b"", timeout=5)
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    receiver.up()
    assert receiver.port == port
    assert OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces").export(_spans()).name == "SUCCESS"
    assert len(receiver.snapshot()[0]) == 1
