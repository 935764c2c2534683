"""The OpenFeature transaction context, scoped to a block and always restored afterwards.

OpenFeature's own contextvars propagator sets a context with no way to reset it, so a context set while serving
one request is still there for the next request on the same thread. Here every block binds a `Frame` with a
contextvar token and resets it on the way out. A frame can also resolve its identity lazily, at the first flag
evaluation, so a web adapter sees the user even when it runs before the framework has authenticated anyone.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from openfeature import transaction_context
from openfeature.evaluation_context import EvaluationContext
from openfeature.transaction_context import ContextVarsTransactionContextPropagator, TransactionContextPropagator
from openfeature.transaction_context.no_op_transaction_context_propagator import NoOpTransactionContextPropagator

if TYPE_CHECKING:
    from ff_otel._request import RequestState

logger = logging.getLogger("ff_otel")

_EMPTY = EvaluationContext()

Resolver = Callable[[], "tuple[str | None, str | None, Mapping[str, Any]]"]
"""Returns (targeting_key, context_id, attributes) the first time the frame's context is needed."""


class Frame:
    """One binding of the transaction context: an identity, and the request it belongs to, if any."""

    __slots__ = ("_context", "_lock", "_resolver", "attributes", "context_id", "request", "targeting_key")

    def __init__(
        self,
        targeting_key: str | None = None,
        context_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        *,
        resolver: Resolver | None = None,
        request: RequestState | None = None,
    ) -> None:
        self.targeting_key = targeting_key
        self.context_id = context_id
        self.attributes: Mapping[str, Any] = attributes or {}
        self.request = request
        self._resolver = resolver
        # Threads of one request (a thread pool, background work) may race to resolve a lazy identity. Re-entrant:
        # a context builder that evaluates a flag itself sees the context as it stands.
        self._lock = threading.RLock() if resolver is not None else None
        self._context: EvaluationContext | None = None

    def evaluation_context(self) -> EvaluationContext:
        """The OpenFeature context of this frame, resolving a lazy identity on first use."""
        context = self._context
        if context is None:
            if self._lock is None:
                context = self._context = EvaluationContext(self.targeting_key, dict(self.attributes))
            else:
                with self._lock:
                    if self._resolver is not None:
                        resolver, self._resolver = self._resolver, None
                        self.targeting_key, self.context_id, self.attributes = resolver()
                    context = self._context = EvaluationContext(self.targeting_key, dict(self.attributes))
        return context

    def rebind(self, targeting_key: str | None, context_id: str | None, attributes: Mapping[str, Any] | None) -> None:
        """Replace the identity for the rest of the frame; new attributes are merged over the old ones."""
        self.evaluation_context()  # resolve first, so a lazy resolver can never overwrite what is bound here
        self.targeting_key = targeting_key
        self.context_id = context_id
        self.attributes = {**self.attributes, **(attributes or {})}
        self._context = None


_FRAME: contextvars.ContextVar[Frame | None] = contextvars.ContextVar("ff_otel_frame", default=None)


def current_frame() -> Frame | None:
    """The innermost frame bound in this context, if any."""
    return _FRAME.get()


class ScopedPropagator(TransactionContextPropagator):
    """An OpenFeature transaction-context propagator backed by ff-otel's frames."""

    def get_transaction_context(self) -> EvaluationContext:
        frame = _FRAME.get()
        return _EMPTY if frame is None else frame.evaluation_context()

    def set_transaction_context(self, transaction_context: EvaluationContext) -> None:
        # A direct `api.set_transaction_context(...)` lasts until the enclosing ff-otel block ends, if there is one.
        outer = _FRAME.get()
        frame = Frame(
            transaction_context.targeting_key,
            None,
            transaction_context.attributes,
            request=None if outer is None else outer.request,
        )
        _FRAME.set(frame)


PROPAGATOR = ScopedPropagator()


def propagator_is_ours() -> bool:
    return transaction_context._evaluation_transaction_context_propagator is PROPAGATOR


def ensure_propagator() -> TransactionContextPropagator | None:
    """Install ff-otel's propagator unless the application chose its own; return the one it replaced."""
    current = transaction_context._evaluation_transaction_context_propagator
    if current is PROPAGATOR:
        return None
    # The SDK's contextvars propagator is replaced too: ours does the same job and also restores.
    if isinstance(current, NoOpTransactionContextPropagator | ContextVarsTransactionContextPropagator):
        transaction_context.set_transaction_context_propagator(PROPAGATOR)
        return current
    return None


class _Binding:
    __slots__ = ("foreign_previous", "frame", "previous", "token")

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.previous = _FRAME.get()
        if frame.request is None and self.previous is not None:
            frame.request = self.previous.request
        self.token = _FRAME.set(frame)
        self.foreign_previous: EvaluationContext | None = None
        if not propagator_is_ours() and ensure_propagator() is None:
            # The application set its own propagator: feed it the context eagerly and put back what it had.
            self.foreign_previous = transaction_context.get_transaction_context()
            transaction_context.set_transaction_context(frame.evaluation_context())

    def release(self) -> None:
        try:
            _FRAME.reset(self.token)
        except ValueError:
            # Left in another context than entered (a generator finished by another task): restore by value.
            _FRAME.set(self.previous)
        if self.foreign_previous is not None:
            transaction_context.set_transaction_context(self.foreign_previous)


def bind(frame: Frame) -> _Binding:
    """Make `frame` the current one until `release()` is called on the result."""
    return _Binding(frame)


class evaluation_context:  # noqa: N801 - used like a function, like contextlib's managers
    """Set the OpenFeature transaction context for a block, and restore what was there before on the way out.

    Works as ``with`` and ``async with``, nests, and stays with the thread or asyncio task that entered it.
    ``context_id`` defaults to the targeting key.

    Usage::

        with ff_otel.evaluation_context(targeting_key=user.id, attributes={"plan": user.plan}):
            client.get_boolean_value("new-checkout", False)
    """

    __slots__ = ("_binding", "_frame")

    def __init__(
        self,
        targeting_key: str | None = None,
        context_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        self._frame = Frame(targeting_key, context_id, attributes)
        self._binding: _Binding | None = None

    def __enter__(self) -> EvaluationContext:
        self._binding = bind(self._frame)
        return self._frame.evaluation_context()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._binding is not None:
            self._binding.release()
            self._binding = None

    async def __aenter__(self) -> EvaluationContext:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.__exit__(exc_type, exc, tb)


def identify(
    targeting_key: object,
    *,
    context_id: str | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> None:
    """Bind who the current request is for, from here to its end (for example inside a FastAPI dependency).

    Usage: ``ff_otel.identify(user.id, attributes={"plan": user.plan})``
    """
    frame = _FRAME.get()
    if frame is None:
        logger.warning("ff_otel.identify() called outside a request or evaluation_context block; ignored")
        return
    key = None if targeting_key is None else str(targeting_key)
    frame.rebind(key, context_id, attributes)
    if not propagator_is_ours():
        transaction_context.set_transaction_context(frame.evaluation_context())
