"""Adding an evaluation event to a span without the SDK checking, again, attributes ff-otel built valid.

The SDK's `Span.add_event` spends most of its time cleaning each attribute value, and the rest in a handful of
small calls (about as long, together, as a whole flag evaluation). ff-otel's attribute values are plain strings,
booleans and numbers, already cut to length, so on the OpenTelemetry SDK's own span it builds the event and its
immutable attributes directly, with the state the SDK's own constructors give them (the clean dict assigned as
is, as `BoundedAttributes.__deepcopy__` does), and appends it under the span's lock as `Span._add_event` does.

This is done only where the result is exactly what `add_event` would store: the SDK's span classes, no attribute
length limit, a count limit the event fits in, plain values, and an SDK whose spans, at first use, ended up with
the same events both ways. Anything else goes through the public `add_event`.

Attributes recorded again and again (a flag evaluated to a known outcome for the same context) are built once as
`SharedAttributes`: their immutable attributes object is shared by every event that carries them, as one immutable
value can be.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

PLAIN = frozenset({str, bool, int, float})
"""The attribute value types the SDK stores as they are."""

# Immutable attributes never take their lock except to be deep-copied, which does not nest: one lock serves all.
_LOCK = threading.Lock()
_time_ns = time.time_ns
_new = object.__new__


class SdkShape:
    """The SDK classes the fast path builds, found once."""

    __slots__ = ("attributes", "event", "events", "spans")

    def __init__(self, spans: frozenset[type], event: type, attributes: type, events: Any) -> None:
        self.spans = spans
        self.event = event
        self.attributes = attributes
        self.events = events


_checked = False
checked_shape: SdkShape | None = None
"""The SDK classes events are stored directly on, once the first use has checked them; None until then, or where
only the public path is exact."""


def add_event(span: Span, name: str, attributes: dict[str, AttributeValue]) -> None:
    """`span.add_event(name, attributes)`, with the same result; `attributes` must not be used afterwards."""
    for value in attributes.values():
        if type(value) not in PLAIN:
            span.add_event(name, attributes)
            return
    add_plain_event(span, name, attributes)


def add_plain_event(span: Span, name: str, attributes: dict[str, AttributeValue]) -> None:
    """`add_event` for attributes whose every value's type is in `PLAIN`."""
    shape = checked_shape if _checked else _check()
    if shape is None or not _append(shape, span, name, attributes):
        span.add_event(name, attributes)


class SharedAttributes:
    """Plain event attributes recorded again and again, with the SDK's immutable copy of them built once."""

    __slots__ = ("_frozen", "attributes", "label")

    def __init__(self, label: object, attributes: dict[str, AttributeValue]) -> None:
        self.label = label
        """What tells these attributes from others built for the same purpose (a context id)."""
        self.attributes = attributes
        """The attributes, every value's type in `PLAIN`; never changed."""
        self._frozen: Any = None


def add_shared_event(span: Span, name: str, shared: SharedAttributes) -> None:
    """`add_plain_event(span, name, dict(shared.attributes))`, with the same result."""
    shape = checked_shape if _checked else _check()
    if shape is not None and type(span) in shape.spans:
        frozen = frozen_for(shape, span, shared)
        if frozen is not None and store(shape, span, name, frozen):
            return
    span.add_event(name, dict(shared.attributes))


def frozen_for(shape: SdkShape, span: Any, shared: SharedAttributes) -> Any:
    """The immutable attributes `add_event` would build from `shared` on `span` (one of `shape.spans`), kept for
    the next span of the same limits; None where it would cut or drop them."""
    limits = span._limits
    frozen = shared._frozen
    if frozen is None or frozen.maxlen != limits.max_event_attributes or limits.max_attribute_length is not None:
        # First use, or a span of other limits: built for this span, and kept for the next one like it.
        frozen = _frozen(shape, span, shared.attributes)
        if frozen is not None:
            shared._frozen = frozen
    return frozen


def _append(shape: SdkShape, span: Any, name: str, attributes: dict[str, AttributeValue]) -> bool:
    """Build and append the event as `add_event` would; False, with nothing done, where that is not certain."""
    if type(span) not in shape.spans:
        return False
    frozen = _frozen(shape, span, attributes)
    return frozen is not None and store(shape, span, name, frozen)


def _frozen(shape: SdkShape, span: Any, attributes: dict[str, AttributeValue]) -> Any:
    """The immutable attributes `add_event` would build on `span` (one of the SDK's), or None where it would build
    anything else (it cuts values or drops attributes)."""
    limits = span._limits
    count_limit = limits.max_event_attributes
    if limits.max_attribute_length is not None or (count_limit is not None and len(attributes) > count_limit):
        return None
    # What `BoundedAttributes(...)` builds, one store per attribute in its order.
    frozen: Any = _new(shape.attributes)
    frozen._dict = attributes
    frozen.maxlen = count_limit
    frozen.dropped = 0
    frozen.max_value_len = None
    frozen._lock = _LOCK
    frozen._immutable = True
    return frozen


def store(shape: SdkShape, span: Any, name: str, frozen: Any) -> bool:
    """Build the event `Event(name, frozen)` builds now and append it to `span` (one of the SDK's) as
    `Span._add_event` does; False, with nothing done, if the span has ended."""
    event: Any = _new(shape.event)
    event._name = name
    event._timestamp = _time_ns()
    event._attributes = frozen
    lock = span._lock
    lock.acquire()  # rather than `with`: no bound `__enter__`/`__exit__` to make, on a path taken per evaluation
    try:
        if span._end_time is not None:
            return False  # ended in between: the public path gives the SDK's own warning
        events: Any = span._events
        if type(events) is not shape.events:
            events.append(event)
            return True
        # `BoundedList.append` without its own lock: every appender holds the span's lock (the SDK's
        # `_add_event` too), and the SDK reads a live span's events through `__iter__`, which copies the deque in
        # one step.
        queue = events._dq
        if len(queue) == queue.maxlen:
            events.dropped += 1  # the oldest makes room, counted as dropped
        queue.append(event)
    finally:
        lock.release()
    return True


def _alike(ours: Any, theirs: Any) -> bool:
    """True when two spans hold the same events in the same state, but for their timestamps."""
    if (
        type(ours._events) is not type(theirs._events)
        or ours._events.dropped != theirs._events.dropped
        or len(ours._events) != len(theirs._events)
    ):
        return False
    pairs = list(zip(ours._events, theirs._events, strict=True))
    for mine, expected in pairs:
        attributes, expected_attributes = mine.attributes, expected.attributes
        if (
            type(mine) is not type(expected)
            or vars(mine).keys() != vars(expected).keys()
            or mine.name != expected.name
            or type(attributes) is not type(expected_attributes)
            or vars(attributes) | {"_dict": None, "_lock": None}
            != vars(expected_attributes) | {"_dict": None, "_lock": None}
            or dict(attributes) != dict(expected_attributes)
        ):
            return False
        try:
            attributes["k"] = "changed"
        except TypeError:
            continue
        return False
    return bool(pairs)


def _check() -> SdkShape | None:
    """The SDK's classes if the fast path stores exactly what the public one does with them, else None."""
    global _checked, checked_shape
    try:
        from opentelemetry.attributes import BoundedAttributes
        from opentelemetry.context import Context
        from opentelemetry.sdk import trace as sdk_trace
        from opentelemetry.sdk.trace import Event, SpanLimits
        from opentelemetry.sdk.trace import Span as SdkSpan
        from opentelemetry.sdk.trace.sampling import ALWAYS_ON
        from opentelemetry.sdk.util import BoundedList

        # The tracer makes `_Span`s; only classes that keep the SDK's own event methods qualify.
        spans = frozenset(
            kind
            for kind in (SdkSpan, getattr(sdk_trace, "_Span", None))
            if isinstance(kind, type)
            and getattr(kind, "add_event", None) is SdkSpan.add_event
            and getattr(kind, "_add_event", None) is getattr(SdkSpan, "_add_event", None)
        )
        shape = SdkShape(spans, Event, BoundedAttributes, BoundedList)
        # Recording probes whatever the environment says (sampler, limits) and whatever span is current.
        limits = SpanLimits(max_events=2, max_event_attributes=8, max_attribute_length=SpanLimits.UNSET)
        provider = sdk_trace.TracerProvider(sampler=ALWAYS_ON, span_limits=limits, shutdown_on_exit=False)
        tracer = provider.get_tracer("ff_otel")
        ours, theirs, ours_shared, theirs_shared = (tracer.start_span("probe", context=Context()) for _ in range(4))
        same: dict[str, AttributeValue] = {"k": "v", "b": True, "i": 3, "f": 0.5}
        frozen = _frozen(shape, ours_shared, same)
        appended = frozen is not None
        for number in range(3):  # one more than the span keeps: the oldest makes room, and is counted
            sample: dict[str, AttributeValue] = {"k": "v", "b": True, "i": number, "f": 0.5}
            appended = _append(shape, ours, "e", dict(sample)) and appended
            theirs.add_event("e", sample)
            appended = appended and store(shape, ours_shared, "e", frozen)
            theirs_shared.add_event("e", dict(same))
        alike = _alike(ours, theirs) and _alike(ours_shared, theirs_shared)
        checked_shape = shape if appended and alike else None
    except Exception:  # no SDK installed, or one whose insides moved: the public path it is
        checked_shape = None
    _checked = True
    return checked_shape
