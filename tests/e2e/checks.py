"""What the suite asserts about the telemetry the receiver got, shared by the load, fault and bad-input tests."""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Iterable, Sequence
from typing import Any

from sample_apps.demo.records import ExportedSpan
from tests._support.receiver import Receiver
from tests.e2e.client import Outcome

EVENT = "feature_flag.evaluation"
CONTEXT_ID = "feature_flag.context.id"
MAX_VALUE_LENGTH = 256
"""ff-otel's default `max_value_length`: no recorded string may be longer."""
DELIVERY_SECONDS = 30


@dataclasses.dataclass(frozen=True)
class Delivery:
    """Figures of one run: requests checked, evaluations the app made, events the receiver got."""

    requests: int
    evaluations: int
    events: int


def evaluation_events(span: ExportedSpan) -> list[dict[str, Any]]:
    return [dict(event.attributes) for event in span.events if event.name == EVENT]


def spans_by_trace(spans: Iterable[ExportedSpan]) -> dict[str, list[ExportedSpan]]:
    found: dict[str, list[ExportedSpan]] = collections.defaultdict(list)
    for span in spans:
        found[span.trace_id].append(span)
    return found


def wait_for_server_spans(receiver: Receiver, outcomes: Sequence[Outcome], timeout: float = DELIVERY_SECONDS) -> None:
    """Wait until the server span of every request has arrived (the batch processors send every 200 ms)."""
    wanted = {outcome.trace_id for outcome in outcomes}

    def arrived(current: Receiver) -> bool:
        return wanted <= {span.trace_id for span in current.spans if span.server}

    if not receiver.wait_for(arrived, timeout):
        missing = wanted - {span.trace_id for span in receiver.snapshot()[0] if span.server}
        raise AssertionError(f"{len(missing)} of {len(wanted)} requests' server spans never arrived")


def assert_exact_delivery(receiver: Receiver, outcomes: Sequence[Outcome], *, exclusive: bool = True) -> Delivery:
    """Every evaluation arrived once, on its own request's span, with its own user's context id.

    `exclusive`: the receiver got no evaluation events other than these requests'.
    """
    wait_for_server_spans(receiver, outcomes)
    spans = receiver.snapshot()[0]
    span_ids = collections.Counter(span.span_id for span in spans)
    assert not [span_id for span_id, count in span_ids.items() if count > 1], "a span arrived more than once"
    traces = spans_by_trace(spans)
    events = 0
    for outcome in outcomes:
        carrying = [span for span in traces[outcome.trace_id] if evaluation_events(span)]
        request_events = [event for span in carrying for event in evaluation_events(span)]
        assert len(request_events) == outcome.evaluations, f"{outcome}: {len(request_events)} events"
        if outcome.evaluations:
            # All on one span of the request's own trace: the server span, or under FastAPI's own tracing the
            # endpoint span inside it; the server span's summary counts them all.
            assert len(carrying) == 1, (outcome, [span.name for span in carrying])
            server = [span for span in traces[outcome.trace_id] if span.server]
            assert len(server) == 1, outcome
            assert server[0].attributes.get("ff_otel.evaluations") == outcome.evaluations, outcome
        for event in request_events:
            assert event.get(CONTEXT_ID) == outcome.expected_context_id, f"{outcome}: {event}"
        events += len(request_events)
    if exclusive:
        all_events = sum(len(evaluation_events(span)) for span in spans)
        assert all_events == events, "events arrived that no request of this run made"
    return Delivery(len(outcomes), sum(outcome.evaluations for outcome in outcomes), events)


def assert_valid_values(spans: Iterable[ExportedSpan]) -> int:
    """Every evaluation attribute is a scalar within its length limit; returns the number of events checked."""
    checked = 0
    for span in spans:
        for event in evaluation_events(span):
            checked += 1
            for key, value in event.items():
                assert isinstance(value, str | bool | int | float), (key, value)
                if isinstance(value, str):
                    assert len(value) <= MAX_VALUE_LENGTH, (key, len(value))
                if isinstance(value, float):
                    assert math.isnan(value) or math.isinf(value) or abs(value) < 1e309
    return checked


def assert_no_secrets(bodies: Sequence[bytes], secrets: Iterable[str]) -> int:
    """No raw session key or secret key in any byte the receiver got; returns how many bytes were scanned."""
    blob = b"\n".join(bodies)
    leaked = [secret for secret in set(secrets) if secret.encode() in blob]
    assert not leaked, f"{len(leaked)} secrets reached the receiver, e.g. {leaked[0][:12]}..."
    return len(blob)
