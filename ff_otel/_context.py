"""The OpenFeature transaction context, scoped to a block and always restored afterwards.

OpenFeature's own contextvars propagator sets a context with no way to reset it, so a context set while serving
one request is still there for the next request on the same thread. Here every block binds a `Layer` with a
contextvar token and resets it on the way out.

A layer has two parts. `explicit` is what the application said: an `evaluation_context(...)` block or its own
`api.set_transaction_context(...)`. `identity` is who the current request is for, as a web adapter derives it,
looked up lazily at the first flag evaluation (so an adapter sees the user even when it runs before the framework
has authenticated anyone). The application's part always wins; the derived identity only fills what it left empty.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from openfeature import transaction_context
from openfeature.evaluation_context import EvaluationContext, EvaluationContextAttribute, get_evaluation_context
from openfeature.transaction_context import ContextVarsTransactionContextPropagator, TransactionContextPropagator
from openfeature.transaction_context.no_op_transaction_context_propagator import NoOpTransactionContextPropagator

from ff_otel._safe import report

logger = logging.getLogger("ff_otel")

_EMPTY = EvaluationContext()
_NO_ATTRIBUTES: Mapping[str, Any] = {}

Resolver = Callable[[], "tuple[str | None, str | None, Mapping[str, Any]]"]
"""Returns (targeting_key, context_id, attributes) the first time an identity is needed."""


class Explicit:
    """A context the application chose: a targeting key, the id to record for it, and attributes."""

    __slots__ = ("attributes", "context_id", "targeting_key")

    def __init__(
        self, targeting_key: str | None, context_id: str | None = None, attributes: Mapping[str, Any] | None = None
    ) -> None:
        self.targeting_key = targeting_key
        self.context_id = context_id
        self.attributes: Mapping[str, Any] = _NO_ATTRIBUTES if attributes is None else _readable(attributes)


def _readable(attributes: object) -> Mapping[str, Any]:
    """A copy of the attributes the application gave, read once here: a mapping that cannot be read is logged and
    left out, rather than failing every evaluation made under it."""
    try:
        copied: dict[str, Any] = dict(attributes)  # type: ignore[call-overload]
    except Exception as error:
        report("ff_otel could not read the attributes of an evaluation context; they are left out", error)
        return _NO_ATTRIBUTES
    return copied or _NO_ATTRIBUTES


_LOCK_MAKING = threading.Lock()


class LazyIdentity:
    """Who a request is for, looked up at first use, and safe when threads of one request race for it."""

    __slots__ = ("_lock", "_rebound", "_resolver", "_resolving", "attributes", "context_id", "targeting_key", "version")

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._resolver = resolver
        self._resolving = False
        self._rebound = False  # bound by the application itself (`rebind`): never looked up again
        self._lock: threading.RLock | None = None  # made at the first lookup: most requests without flags never need it
        self.targeting_key: str | None = None
        self.context_id: str | None = None
        self.attributes: Mapping[str, Any] = _NO_ATTRIBUTES
        self.version = 0  # bumped by every change, so layers know their merged context is stale

    @property
    def pending(self) -> bool:
        """True until the lookup has run."""
        return self._resolver is not None

    def resolve(self) -> None:
        """Run the lookup now if it has not run yet. Never raises: a failed lookup leaves the identity empty."""
        if self._resolver is None:
            return
        with self._locked():  # other threads wait here until the lookup is done
            resolver = self._resolver
            if resolver is None or self._resolving:  # done meanwhile, or re-entered by a context builder
                return
            self._resolving = True
            try:
                targeting_key, context_id, attributes = resolver()
                self._set(targeting_key, context_id, attributes)
            except Exception as error:  # OpenFeature does not guard its context lookup: nothing may escape it
                report("ff_otel could not look up the request's identity; the application's context goes on", error)
            finally:
                self._resolving = False
                self._resolver = None
                self.version += 1

    def rebind(self, targeting_key: str | None, context_id: str | None, attributes: Mapping[str, Any] | None) -> None:
        """Replace who the request is for; new attributes are merged over the old ones."""
        self.resolve()  # first, so a pending lookup can never overwrite what is bound here
        with self._locked():
            self._set(targeting_key, context_id, {**self.attributes, **(attributes or {})})
            self.version += 1
            self._rebound = True

    def renew(self, resolver: Resolver) -> None:
        """Look the identity up again with `resolver` at its next use (what was found so far stays until then),
        unless the application bound it itself (`rebind`): its own choice wins."""
        with self._locked():
            if self._rebound:
                return
            self._resolver = resolver
            self.version += 1

    def _locked(self) -> threading.RLock:
        # Re-entrant: a context builder that evaluates a flag itself sees the identity as it stands.
        lock = self._lock
        if lock is None:
            with _LOCK_MAKING:
                lock = self._lock
                if lock is None:
                    lock = self._lock = threading.RLock()
        return lock

    def _set(self, targeting_key: object, context_id: object, attributes: object) -> None:
        self.targeting_key = None if targeting_key is None else str(targeting_key)
        self.context_id = None if context_id is None else str(context_id)
        self.attributes = dict(attributes) if isinstance(attributes, Mapping) else _NO_ATTRIBUTES
        if attributes is not None and not isinstance(attributes, Mapping):
            report(f"ff_otel identity attributes must be a mapping, not {type(attributes).__name__}; ignored")


class Layer:
    """What is bound at one point: the application's context and the request's identity, merged on demand."""

    __slots__ = (
        "_context",
        "_foreign_previous",
        "_previous",
        "_token",
        "_version",
        "beneath",
        "explicit",
        "identity",
        "loose",
    )

    def __init__(
        self, explicit: Explicit | None, identity: LazyIdentity | None, *, loose: bool = False, on: Layer | None = None
    ) -> None:
        self.explicit = explicit
        self.identity = identity
        self.loose = loose  # set outside any ff-otel block (or left by a request): no token will ever reset it
        # For a loose layer, the layer it was set on, past any loose ones: what is current again once it is dropped.
        self.beneath: Layer | None = (on.beneath if on is not None and on.loose else on) if loose else None
        self._context: EvaluationContext | None = None
        self._version = -1

    def evaluation_context(self) -> EvaluationContext:
        """The OpenFeature context of this layer, resolving a lazy identity on first use."""
        identity = self.identity
        if identity is None:
            context = self._context
            if context is None:
                explicit = self.explicit
                context = (
                    _EMPTY if explicit is None else EvaluationContext(explicit.targeting_key, dict(explicit.attributes))
                )
                self._context = context
            return context
        if identity._resolver is not None:  # `identity.pending`, read without a call: this runs per evaluation
            identity.resolve()
        context = self._context
        if context is None or self._version != identity.version:
            self._version = identity.version
            context = self._context = self._merge(identity)
        return context

    def bind(self, previous: Layer | None) -> Layer:
        """Make this layer current, on top of `previous` (the layer current until now, which the caller has just
        read), until `release()`; what an application's own propagator holds is restored then too."""
        _OPEN_BLOCKS.append(None)  # `_LIVE.opened()`, without a call: this runs per request
        self._previous: Layer | None = previous
        self._token: contextvars.Token[Layer | None] | None = _LAYER.set(self)
        self._foreign_previous: EvaluationContext | None = None
        if (
            transaction_context._evaluation_transaction_context_propagator is not PROPAGATOR
            and ensure_propagator() is None
        ):
            # The application set its own propagator: hand it a context that still looks the identity up lazily.
            try:
                held = transaction_context.get_transaction_context()
                if self.explicit is None:
                    self.explicit = _set_by_application(held)
                transaction_context.set_transaction_context(_LazyContext(self))
            except Exception as error:  # the application's propagator is its own: it may fail, we may not
                report("ff_otel could not set the context through the application's propagator", error)
            else:
                self._foreign_previous = held
        return self

    def release(self, *, linger: bool = False) -> None:
        """Make the layer that was current before `bind()` current again. With `linger`, this layer's identity stays
        bound instead, as a context set outside any block, until the request's end or the next one's start drops
        it."""
        previous, token, foreign_previous = self._previous, self._token, self._foreign_previous
        # Dropped now: a layer still current (lingering, or in a task's copy of the context) must keep neither the
        # layers bound before it alive nor, through its token, the very context that holds it.
        self._previous = self._token = self._foreign_previous = None
        if not linger:
            try:
                if token is not None:
                    _LAYER.reset(token)
            except ValueError:
                # Left in another context than entered (a generator finished by another task): restore by value.
                _LAYER.set(previous)
        elif transaction_context._evaluation_transaction_context_propagator is PROPAGATOR:
            self.loose = True  # this layer itself stays, as it was bound: no new one per request
            self.beneath = previous.beneath if previous is not None and previous.loose else previous
            _LAYER.set(self)
        else:
            # This layer holds what the application's own propagator held for this request: the identity lingers
            # in a layer of its own, so that the next request reads that propagator afresh.
            explicit = None if previous is None else previous.explicit
            _LAYER.set(Layer(explicit, self.identity, loose=True, on=previous))
        try:
            if foreign_previous is not None:
                transaction_context.set_transaction_context(foreign_previous)
        except Exception as error:
            report("ff_otel could not restore the context through the application's propagator", error)
        finally:
            _OPEN_BLOCKS.pop()  # `_LIVE.closed()`, with a call only where an uninstall waits for the last block
            if _LIVE.pending_restore is not None:
                _LIVE.restore_if_idle()

    def _merge(self, identity: LazyIdentity) -> EvaluationContext:
        explicit = self.explicit
        if explicit is None:
            return EvaluationContext(identity.targeting_key, dict(identity.attributes))
        attributes = (
            {**identity.attributes, **explicit.attributes} if identity.attributes else dict(explicit.attributes)
        )
        return EvaluationContext(explicit.targeting_key or identity.targeting_key, attributes)

    def context_id(self, targeting_key: str | None) -> str | None:
        """The context id bound for `targeting_key`, when the layer that supplied that key gave one."""
        explicit, identity = self.explicit, self.identity
        if explicit is not None and explicit.targeting_key:
            return explicit.context_id if explicit.targeting_key == targeting_key else None
        if identity is not None and identity.targeting_key == targeting_key:
            return identity.context_id
        return None


_LAYER: contextvars.ContextVar[Layer | None] = contextvars.ContextVar("ff_otel_layer", default=None)


def current_layer() -> Layer | None:
    """The innermost layer bound in this context, if any."""
    return _LAYER.get()


class ScopedPropagator(TransactionContextPropagator):
    """An OpenFeature transaction-context propagator backed by ff-otel's layers."""

    def get_transaction_context(self) -> EvaluationContext:
        layer = _LAYER.get()
        return _EMPTY if layer is None else layer.evaluation_context()

    def set_transaction_context(self, transaction_context: EvaluationContext) -> None:
        # A direct `api.set_transaction_context(...)` lasts until the enclosing ff-otel block ends, if there is one;
        # the request's identity still fills what it leaves empty.
        outer = _LAYER.get()
        _LAYER.set(
            Layer(
                Explicit(transaction_context.targeting_key, None, transaction_context.attributes),
                None if outer is None else outer.identity,
                loose=outer is None or outer.loose,
                on=outer,
            )
        )


PROPAGATOR = ScopedPropagator()


def merged_targeting_key(client_context: EvaluationContext | None, invocation: EvaluationContext | None) -> str | None:
    """The targeting key OpenFeature resolves with, given a client's context (None where an application set it so)
    and an evaluation's own: the SDK merges the global, transaction, client and invocation contexts, each key
    overriding when truthy."""
    targeting_key = (None if invocation is None else invocation.targeting_key) or (
        None if client_context is None else client_context.targeting_key
    )
    if not targeting_key:
        propagator = transaction_context._evaluation_transaction_context_propagator
        if propagator is PROPAGATOR:  # ff-otel's: the layer read at once, as its `get_transaction_context` does
            layer = _LAYER.get()
            targeting_key = None if layer is None else layer.evaluation_context().targeting_key
        else:
            targeting_key = propagator.get_transaction_context().targeting_key
        targeting_key = targeting_key or get_evaluation_context().targeting_key
    return targeting_key if targeting_key is None or type(targeting_key) is str else str(targeting_key)


# The SDK's own propagators, replaced by ff-otel's, which does the same job and also restores. Any other one,
# subclasses of these included, is the application's choice and stays.
_REPLACEABLE = (NoOpTransactionContextPropagator, ContextVarsTransactionContextPropagator)


def _installed_propagator() -> TransactionContextPropagator:
    return transaction_context._evaluation_transaction_context_propagator


def propagator_is_ours() -> bool:
    return _installed_propagator() is PROPAGATOR


def ensure_propagator() -> TransactionContextPropagator | None:
    """Install ff-otel's propagator unless the application chose its own; return the one it replaced."""
    current = _installed_propagator()
    if current is PROPAGATOR:
        return _LIVE.cancel_restore()  # installed again before an uninstall's blocks had all ended
    if type(current) in _REPLACEABLE:
        transaction_context.set_transaction_context_propagator(PROPAGATOR)
        return current
    report(
        f"ff_otel keeps the application's transaction-context propagator {type(current).__qualname__}: it sets each "
        "block's context through it and restores the previous one by value when the block ends"
    )
    return None


class _LazyContext(EvaluationContext):
    """An evaluation context whose fields are read from a layer at first use, for an application's propagator."""

    def __init__(self, layer: Layer) -> None:  # no super().__init__: the fields are the layer's
        object.__setattr__(self, "_layer", layer)

    def _resolved(self) -> EvaluationContext:
        layer: Layer = object.__getattribute__(self, "_layer")
        return layer.evaluation_context()

    @property
    def targeting_key(self) -> str | None:
        return self._resolved().targeting_key

    @targeting_key.setter
    def targeting_key(self, value: str | None) -> None:
        raise AttributeError("a request's evaluation context is read-only")

    @property
    def attributes(self) -> Mapping[str, EvaluationContextAttribute]:
        return self._resolved().attributes

    @attributes.setter
    def attributes(self, value: Mapping[str, EvaluationContextAttribute]) -> None:
        raise AttributeError("a request's evaluation context is read-only")


def _set_by_application(context: object) -> Explicit | None:
    """What the application set through its own propagator, as ff-otel's propagator would hold it (its context wins
    over the request's identity); None for nothing set, or for the context of ff-otel's own binding outside."""
    if not isinstance(context, EvaluationContext) or type(context) is _LazyContext:
        return None
    if not (context.targeting_key or context.attributes):
        return None
    return Explicit(context.targeting_key, None, context.attributes)


class _LiveBindings:
    """How many blocks are open right now, so an uninstall waits for them before giving the propagator back.

    `Layer.bind` and `release` open and close a block with one append to or pop from `open` (atomic, with no lock on the
    request path); only a restore that is waiting takes the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open: list[None] = []
        self.pending_restore: TransactionContextPropagator | None = None

    def cancel_restore(self) -> TransactionContextPropagator | None:
        with self._lock:
            pending, self.pending_restore = self.pending_restore, None
        return pending

    def restore_when_idle(self, propagator: TransactionContextPropagator) -> None:
        with self._lock:
            self.pending_restore = propagator
        # Checked after the restore is noted: a block closing meanwhile either sees it pending or leaves none open.
        self.restore_if_idle()

    def restore_if_idle(self) -> None:
        with self._lock:
            if self.open or self.pending_restore is None:
                return
            restore, self.pending_restore = self.pending_restore, None
        if propagator_is_ours():
            transaction_context.set_transaction_context_propagator(restore)


_LIVE = _LiveBindings()
_OPEN_BLOCKS = _LIVE.open


def restore_propagator_when_idle(propagator: TransactionContextPropagator) -> None:
    """Put `propagator` back in place of ff-otel's, once no block that relies on ff-otel's is open any more."""
    _LIVE.restore_when_idle(propagator)


class evaluation_context:  # noqa: N801 - used like a function, like contextlib's managers
    """Set the OpenFeature transaction context for a block, and restore what was there before on the way out.

    Works as ``with`` and ``async with``, nests, and stays with the thread or asyncio task that entered it.
    ``context_id`` defaults to the targeting key. Inside a web request, the request's identity fills what the
    block leaves empty.

    Usage::

        with ff_otel.evaluation_context(targeting_key=user.id, attributes={"plan": user.plan}):
            client.get_boolean_value("new-checkout", False)
    """

    __slots__ = ("_binding", "_explicit")

    def __init__(
        self,
        targeting_key: str | None = None,
        context_id: str | None = None,
        attributes: Mapping[str, Any] | None = None,
    ) -> None:
        self._explicit = Explicit(targeting_key, context_id, attributes)
        self._binding: Layer | None = None

    def __enter__(self) -> EvaluationContext:
        outer = _LAYER.get()
        layer = self._binding = Layer(self._explicit, None if outer is None else outer.identity).bind(outer)
        return layer.evaluation_context()

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
    layer = _LAYER.get()
    if layer is None:
        report("ff_otel.identify() called outside a request or evaluation_context block; ignored")
        return
    try:
        key = None if targeting_key is None else str(targeting_key)
        if layer.identity is not None:
            layer.identity.rebind(key, context_id, attributes)
        else:  # a plain block: the block's own context is what is rebound
            explicit = layer.explicit or Explicit(None)
            layer.explicit = Explicit(key, context_id, {**explicit.attributes, **(attributes or {})})
            layer._context = None
    except Exception as error:
        report("ff_otel.identify() could not bind the identity", error)
        return
    if not propagator_is_ours():
        transaction_context.set_transaction_context(_LazyContext(layer))
