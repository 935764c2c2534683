"""Setting attributes ff-otel built valid on a span, without the SDK cleaning each value again.

The request summary is three attributes ff-otel made itself (a tuple of strings and two counts). The SDK's
`set_attributes` spends most of its time re-checking them; on the OpenTelemetry SDK's own span, with no value
length limit, they go straight to the span's attribute store through the very method `set_attributes` ends in
(`BoundedAttributes._setitem_locked`, which keeps the count limit and the order), under the same locks. Anything
else (another span class, a length limit, an SDK without that method, an ended span) takes the public API.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import Span
from opentelemetry.util.types import AttributeValue

_shapes: tuple[frozenset[type], type] | None = None
_checked = False


def set_valid_attributes(span: Span, attributes: dict[str, AttributeValue]) -> None:
    """`span.set_attributes(attributes)`, with the same result; every value must already be valid and immutable
    (a str, bool, int, float, or a tuple of one of those)."""
    shapes = _shapes if _checked else _check()
    if shapes is not None and type(span) in shapes[0]:
        sdk_span: Any = span
        store: Any = getattr(sdk_span, "_attributes", None)
        if _writable(store, shapes[1]):
            with sdk_span._lock:
                if sdk_span._end_time is None:
                    with store._lock:
                        for key, value in attributes.items():
                            store._setitem_locked(key, value)
                    return
    span.set_attributes(attributes)  # the SDK's own path, and its warning for an ended span


def _writable(store: Any, kind: type) -> bool:
    if type(store) is not kind:
        return False
    # The SDK's attribute store: its limits decide whether values can skip cleaning; an unknown shape cannot.
    maxlen = getattr(store, "maxlen", 0)
    limits_fit = getattr(store, "max_value_len", 0) is None and (maxlen is None or maxlen > 0)
    return limits_fit and getattr(store, "_immutable", True) is False


def _check() -> tuple[frozenset[type], type] | None:
    """The SDK's span and attribute-store classes, if they have the shape used here (looked at once)."""
    global _shapes, _checked
    try:
        from opentelemetry.attributes import BoundedAttributes
        from opentelemetry.sdk import trace as sdk_trace
    except ImportError:  # no SDK installed: spans are the API's, and the public path is the only one
        _shapes, _checked = None, True
        return None
    store: Any = BoundedAttributes(maxlen=3, immutable=False)
    try:
        for key, value in (("a", 1), ("b", ("x",)), ("a", 2), ("c", True)):
            store._setitem_locked(key, value)
        fits = list(store.items()) == [("b", ("x",)), ("a", 2), ("c", True)] and store.dropped == 0
    except Exception:  # an SDK whose internals differ: nothing here is worth a wrong attribute
        fits = False
    spans = frozenset(cls for cls in (sdk_trace.Span, getattr(sdk_trace, "_Span", None)) if isinstance(cls, type))
    _shapes, _checked = ((spans, BoundedAttributes) if fits else None), True
    return _shapes
