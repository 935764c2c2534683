"""Where a request starts and ends: what one request left behind (a context set outside any block, the identity
and app options it left for the code after its adapter) never reaches the next request on the same thread."""

from __future__ import annotations

import contextvars

from ff_otel._context import _LAYER, Layer
from ff_otel._request_state import IN_FLIGHT, InFlight


def forget_loose_context(*_: object, **__: object) -> None:
    """Drop a context the application set outside any ff-otel block, and the identity a request left bound, where a
    request starts or ends; a block that the request itself ran in is current again.

    Adapters call this where a request begins on a reused thread, so what one request set never reaches the next;
    it ignores its arguments, so a framework's signal can call it directly.
    """
    layer = _LAYER.get()
    if layer is not None and layer.loose:
        _LAYER.set(layer.beneath)  # an enclosing block (a test client's request inside one, say) stays
    if type(IN_FLIGHT.get()) is InFlight:  # the app options a request left with its identity (not a request's own)
        IN_FLIGHT.set(None)


_RequestStart = tuple["Layer | None", "InFlight | None", "_RequestStart | None"]
"""The layer and the request in flight where a framework said a request starts, and the start noted before it (a
request served inside another one nests)."""

_STARTED_ON: contextvars.ContextVar[_RequestStart | None] = contextvars.ContextVar("ff_otel_started_on", default=None)
"""The start of the request in progress: `end_request_context()` makes its layer current again."""


def request_start_noted() -> bool:
    """True inside a request whose start a framework signalled (`start_request_context`), so its end is sure to
    come (`end_request_context`)."""
    return _STARTED_ON.get() is not None


def start_request_context(*_: object, **__: object) -> None:
    """A request starts (a framework's signal, before any middleware): `forget_loose_context()`, and note the
    context it starts in. Ignores its arguments, so a framework's signal can call it directly."""
    layer, in_flight = _LAYER.get(), IN_FLIGHT.get()  # `forget_loose_context()`, without a call: per request
    if layer is not None and layer.loose:
        _LAYER.set(layer := layer.beneath)
    if type(in_flight) is InFlight:
        IN_FLIGHT.set(in_flight := None)
    _STARTED_ON.set((layer, in_flight, _STARTED_ON.get()))


def end_request_context(*_: object, **__: object) -> None:
    """A request has ended: the context it started in is current again, whatever the application set on top of
    it meanwhile, even inside an enclosing block, and whatever identity the request left bound. Without
    `start_request_context()` before it, `forget_loose_context()`."""
    started = _STARTED_ON.get()
    if started is None:
        forget_loose_context()
        return
    layer, in_flight, outer = started
    _STARTED_ON.set(outer)
    if _LAYER.get() is not layer:
        _LAYER.set(layer)
    if IN_FLIGHT.get() is not in_flight:
        IN_FLIGHT.set(in_flight)
