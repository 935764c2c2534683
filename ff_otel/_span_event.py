"""Adding an evaluation event to a span without the SDK checking, again, attributes ff-otel built valid.

The SDK's `Span.add_event` spends most of its time cleaning each attribute value, and the rest in a handful of
small calls (about as long, together, as a whole flag evaluation). ff-otel's attribute values are plain strings,
booleans and numbers, already cut to length, so on the OpenTelemetry SDK's own span it builds the event and its
immutable attributes directly, with the state the SDK's own constructors give them (the clean dict assigned as
is, as `BoundedAttributes.__deepcopy__` does), and appends it under the span's lock as `Span._add_event` does.

This is done only where the result is exactly what `add_event` would store: the SDK's span classes, no attribute
length limit, a count limit the event fits in, plain values, and an SDK whose objects passed a check at first use
(built both ways and compared). Anything else goes through the public `add_event`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

_PLAIN = frozenset({str, bool, int, float})

# Immutable attributes never take their lock except to be deep-copied, which does not nest: one lock serves all.
_LOCK = threading.Lock()


class _SdkShape:
    """The SDK classes the fast path builds, found and checked once."""

    __slots__ = ("attributes", "event", "events", "spans")

    def __init__(self, spans: frozenset[type], event: type, attributes: type, events: Any) -> None:
        self.spans = spans
        self.event = event
        self.attributes = attributes
        self.events = events


_shape: _SdkShape | None = None
_checked = False


def add_event(span: Span, name: str, attributes: dict[str, AttributeValue]) -> None:
    """`span.add_event(name, attributes)`, with the same result; `attributes` must not be used afterwards."""
    shape = _shape if _checked else _check()
    if shape is not None and type(span) in shape.spans:
        limits = span._limits  # type: ignore[attr-defined]
        count_limit = limits.max_event_attributes
        if limits.max_attribute_length is None and (count_limit is None or len(attributes) <= count_limit):
            for value in attributes.values():
                if type(value) not in _PLAIN:
                    break
            else:
                # What `_bounded` and `_event` build, inline: this runs for every recorded evaluation. One store
                # per attribute, in the order the constructors make them, is the cheapest way to the same state.
                bounded: Any = object.__new__(shape.attributes)
                bounded._dict = attributes
                bounded.maxlen = count_limit
                bounded.dropped = 0
                bounded.max_value_len = None
                bounded._lock = _LOCK
                bounded._immutable = True
                event: Any = object.__new__(shape.event)
                event._name = name
                event._timestamp = time.time_ns()
                event._attributes = bounded
                ended = False
                with span._lock:  # type: ignore[attr-defined]
                    if span._end_time is None:  # type: ignore[attr-defined]
                        events: Any = span._events  # type: ignore[attr-defined]
                        if type(events) is shape.events:
                            # `_append`, inline.
                            with events._lock:
                                queue = events._dq
                                if queue.maxlen is not None and len(queue) == queue.maxlen:
                                    events.dropped += 1
                                queue.append(event)
                        else:
                            events.append(event)
                    else:
                        ended = True
                if ended:  # the SDK's own warning, for a span that ended in between
                    span.add_event(name, attributes)
                return
    span.add_event(name, attributes)


def _bounded(shape: _SdkShape, count_limit: int | None, attributes: dict[str, AttributeValue]) -> Any:
    bounded: Any = object.__new__(shape.attributes)
    bounded._dict = attributes
    bounded.maxlen = count_limit
    bounded.dropped = 0
    bounded.max_value_len = None
    bounded._lock = _LOCK
    bounded._immutable = True
    return bounded


def _event(shape: _SdkShape, name: str, attributes: Any, timestamp: int) -> Any:
    event: Any = object.__new__(shape.event)
    event._name = name
    event._timestamp = timestamp
    event._attributes = attributes
    return event


def _append(events: Any, item: object) -> None:
    """`BoundedList.append`: the oldest item makes room when the list is full, and is counted as dropped."""
    with events._lock:
        queue = events._dq
        if queue.maxlen is not None and len(queue) == queue.maxlen:
            events.dropped += 1
        queue.append(item)


def _appends_alike(kind: type) -> bool:
    """True when `_append` leaves a `kind` list in the state its own `append` does, full or not."""
    own, ours = kind(2), kind(2)
    for item in range(3):
        own.append(item)
        _append(ours, item)
    return type(ours._dq) is deque and list(own) == list(ours) and own.dropped == ours.dropped == 1


def _check() -> _SdkShape | None:
    """The SDK's classes if the fast path builds exactly what the public one does with them, else None."""
    global _shape, _checked
    try:
        from opentelemetry.attributes import BoundedAttributes
        from opentelemetry.sdk import trace as sdk_trace
        from opentelemetry.sdk.trace import Event
        from opentelemetry.sdk.trace import Span as SdkSpan
        from opentelemetry.sdk.util import BoundedList

        # The tracer makes `_Span`s; only classes that keep the SDK's own event methods qualify.
        spans = frozenset(
            kind
            for kind in (SdkSpan, getattr(sdk_trace, "_Span", None))
            if isinstance(kind, type)
            and getattr(kind, "add_event", None) is SdkSpan.add_event
            and getattr(kind, "_add_event", None) is getattr(SdkSpan, "_add_event", None)
        )
        shape = _SdkShape(spans, Event, BoundedAttributes, BoundedList)
        sample: dict[str, AttributeValue] = {"k": "v", "b": True, "i": 7, "f": 0.5}
        expected_attributes = BoundedAttributes(128, sample, immutable=True)
        expected = Event("e", expected_attributes, 12)
        fast_attributes = _bounded(shape, 128, dict(sample))
        fast = _event(shape, "e", fast_attributes, 12)
        same = (
            vars(fast_attributes).keys() == vars(expected_attributes).keys()
            and vars(fast).keys() == vars(expected).keys()
            and dict(fast_attributes) == dict(expected_attributes)
            and (fast.name, fast.timestamp, fast.dropped_attributes) == (expected.name, expected.timestamp, 0)
            and fast.attributes is fast_attributes
            and fast_attributes.maxlen == expected_attributes.maxlen
        )
        try:
            fast_attributes["k"] = "changed"
        except TypeError:
            pass
        else:
            same = False
        probe: Any = sdk_trace.TracerProvider(shutdown_on_exit=False).get_tracer("ff_otel").start_span("probe")
        same = same and type(probe) in spans and hasattr(probe, "_lock") and probe._end_time is None
        events = getattr(probe, "_events", None)
        # The inline append needs the list's own shape; other event lists get their own `append`.
        same = same and callable(getattr(events, "append", None))
        if type(events) is BoundedList:
            same = same and _appends_alike(BoundedList)
        _shape = shape if same else None
    except Exception:  # no SDK installed, or one whose insides moved: the public path it is
        _shape = None
    _checked = True
    return _shape
