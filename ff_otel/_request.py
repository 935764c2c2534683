"""One web request as the adapters see it: a lazily resolved identity, a summary of its flags, and their impact."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, NamedTuple

from opentelemetry.trace import INVALID_SPAN, Span, SpanKind

from ff_otel._adapter_options import AdapterOptions
from ff_otel._context import _LAYER, Layer, LazyIdentity, Resolver
from ff_otel._current_span import current_span
from ff_otel._identity import ANONYMOUS, Identity
from ff_otel._impact import Impact, impact_for
from ff_otel._install import recorder_for
from ff_otel._options import Options
from ff_otel._recorder import Recorder
from ff_otel._request_bounds import request_start_noted
from ff_otel._request_state import IN_FLIGHT, InFlight, RequestSummary
from ff_otel._safe import call_safely, report

IdentityFinder = Callable[[], "Identity | None"]
"""The adapter's own lookup: user, else session, else None for anonymous."""


class PreparedOptions(NamedTuple):
    """What a scope's options make, once per adapter rather than once per request (see `prepare`)."""

    recorder: Recorder | None
    impact: Impact | None
    lingering: InFlight
    """What a request leaves in flight for the code after its adapter: its app's options, and no summary."""


def prepare(core: Options | None, options: AdapterOptions) -> PreparedOptions:
    """The recorder of `core` and the impact histogram of `options`, for `RequestScope(..., prepared=...)`."""
    recorder = None if core is None else recorder_for(core)
    return PreparedOptions(recorder, impact_for(core, options), InFlight(None, recorder))


class RequestScope(InFlight):
    """Binds one web request for its whole life: identity, evaluation context, and the flag summary.

    The identity is looked up at the first flag evaluation, not before, so it does not matter whether the
    framework's authentication ran before or after the adapter. Every user callback is guarded: if it raises,
    the request goes on as anonymous and one line is logged on the `ff_otel` logger.

    With `impact_flags` in the adapter options, `end(...)` records the request's duration for the impact flags
    it evaluated; adapters call it when the request is over (the last body chunk of a streamed response).

    Usage (inside an adapter)::

        with RequestScope(request, find_identity=lambda: find_user(request), options=options, span=span) as scope:
            response = handle(request)
        scope.end(request.method, route, response.status_code)
    """

    __slots__ = ("_binding", "_in_flight_token", "_lookup", "_prepared", "identity")

    def __init__(
        self,
        request: object,
        *,
        find_identity: IdentityFinder,
        options: AdapterOptions,
        span: Span | None = None,
        core: Options | None = None,
        prepared: PreparedOptions | None = None,
    ) -> None:
        summary = RequestSummary(span or INVALID_SPAN, options.max_summary_flags) if options.summary else None
        # The lookup holds the request, not the scope: an identity never looked up leaves no cycle to collect.
        self._lookup: Resolver = functools.partial(_look_up, request, find_identity, options)
        self.identity = LazyIdentity(self._lookup)
        self._binding: Layer | None = None
        self._in_flight_token: contextvars.Token[InFlight | None] | None = None
        if prepared is None:
            prepared = prepare(core, options)
        self._prepared = prepared
        # The scope is itself what the recording path reads from the request's context variable (`InFlight`'s
        # fields, set here without a call: this runs per request).
        self.summary = summary
        self.recorder = prepared.recorder
        self.impact = None if prepared.impact is None else prepared.impact.begin()

    def __enter__(self) -> RequestScope:
        self._in_flight_token = IN_FLIGHT.set(self)
        outer = _LAYER.get()
        self._binding = Layer(None if outer is None else outer.explicit, self.identity).bind(outer)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> RequestScope:
        return self.__enter__()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def state(self) -> RequestSummary | None:
        """The request's flag summary, written onto its span when it ends; None with `summary=False`."""
        return self.summary

    @property
    def span(self) -> Span | None:
        """The span that receives the summary; settable for adapters that learn it only later in the request."""
        return None if self.summary is None else self.summary.span

    @span.setter
    def span(self, span: Span) -> None:
        if self.summary is not None:
            self.summary.span = span

    def adopt_current_span(self, *, server_only: bool = False) -> None:
        """Take the current span as the one the summary goes to, unless it has one (or with `server_only`, unless
        the current span is not of kind SERVER): for adapters whose span starts inside them."""
        state = self.summary
        if state is None or state.span is not INVALID_SPAN:
            return
        span = current_span()
        if span.get_span_context().is_valid and (not server_only or getattr(span, "kind", None) is SpanKind.SERVER):
            state.span = span

    @property
    def measured(self) -> bool:
        """True when the request's end is recorded for impact flags (`end()` does something)."""
        return self.impact is not None

    def resolve(self) -> None:
        """Look the identity up now rather than at the first evaluation (before async code that cannot)."""
        self.identity.resolve()

    def look_up_again(self) -> None:
        """Forget the identity found so far, for one looked up before the framework had authenticated the request:
        the next evaluation (or `resolve()`) looks it up again. Blocks and contexts bound on top of it follow."""
        self.identity.renew(self._lookup)

    def write_summary(self) -> None:
        """Write the summary so far on the span, for adapters whose span ends before the request does."""
        summary = self.summary
        if summary is not None and summary.evaluations:
            call_safely("ff_otel could not write the request's flag summary", summary.write)

    def end(
        self,
        method: str | None,
        route: str | None = None,
        status_code: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        """The request is over: record its duration for the impact flags it evaluated. Only the first call counts.

        `error` is the exception that ended the request unhandled, if any; a 5xx without one counts as an error too.
        """
        impact = self.impact
        if impact is not None:
            problem = "ff_otel could not record the request's flag impact"
            call_safely(problem, impact.end, method, route, status_code, error)

    def close(self, *, linger: bool = False) -> None:
        """Write the summary and restore the context that was there before. Idempotent.

        With `linger`, the request's identity stays bound, as a context set outside any block, for the framework
        code that still runs after the adapter (an outer middleware on the way out), and so do its app's options
        where the framework signalled the request's start; the request's end, or the next one's start, drops them.
        """
        binding, self._binding = self._binding, None
        if binding is None:
            return
        summary = self.summary
        if summary is not None and summary.evaluations:  # `write_summary()`, without a call for a request with none
            call_safely("ff_otel could not write the request's flag summary", summary.write)
        binding.release(linger=linger)
        token, self._in_flight_token = self._in_flight_token, None
        if token is None:
            return
        if linger and request_start_noted() and not isinstance(token.old_value, RequestScope):
            # What still runs after the adapter records with this app's options, as it sees this identity, where
            # the framework says when the request ends (`end_request_context` drops both); not inside another
            # request, whose own options and summary are current again.
            IN_FLIGHT.set(self._prepared.lingering)
            return
        try:
            IN_FLIGHT.reset(token)
        except ValueError:  # closed in another context than opened (a stream finished by another task)
            IN_FLIGHT.set(None)


def _look_up(
    request: object, find_identity: IdentityFinder, options: AdapterOptions
) -> tuple[str | None, str | None, Mapping[str, Any]]:
    """A request's identity, the `Resolver` of its `LazyIdentity`: the options' `identity` callback, else the
    adapter's finder, then the options' `context_builder`, each guarded."""
    identity = _identity(request, find_identity, options)
    attributes = _attributes_of(identity)
    builder = options.context_builder
    if builder is not None:
        extra = call_safely("ff_otel context_builder raised", builder, request)
        if isinstance(extra, Mapping):
            extra_attributes = call_safely(
                "ff_otel context_builder returned a mapping that cannot be read", dict, extra
            )
            if extra_attributes is not None:
                attributes.update(extra_attributes)
        elif extra is not None:
            report(f"ff_otel context_builder returned {type(extra).__name__}, not a mapping; ignored")
    return identity.targeting_key, None, attributes


def _identity(request: object, find_identity: IdentityFinder, options: AdapterOptions) -> Identity:
    custom = options.identity
    if custom is not None:
        found = call_safely("ff_otel identity callable raised", custom, request)
        if isinstance(found, Identity):
            return _checked(found)
        if isinstance(found, str | int) and not isinstance(found, bool):
            return Identity.user(found)
        if found is not None:
            report(f"ff_otel identity callable returned {type(found).__name__}; expected Identity, str or None")
    found = call_safely("ff_otel could not look up the request's user or session", find_identity)
    return ANONYMOUS if found is None else _checked(found)


def _checked(identity: Identity) -> Identity:
    """`identity` if its fields have the types they promise; else the anonymous identity, after one log line."""
    key, attributes = identity.targeting_key, identity.attributes
    if (key is None or type(key) is str) and isinstance(attributes, Mapping):
        return identity
    if isinstance(key, int) and not isinstance(key, bool):
        key = str(key)
    elif key is not None and type(key) is not str:
        report(f"ff_otel got an Identity whose targeting_key is a {type(key).__name__}; evaluating as anonymous")
        return ANONYMOUS
    if not isinstance(attributes, Mapping):
        report(f"ff_otel got an Identity whose attributes are a {type(attributes).__name__}, not a mapping; ignored")
        attributes = {}
    return Identity(key, identity.kind, attributes)


def _attributes_of(identity: Identity) -> dict[str, Any]:
    try:
        return dict(identity.attributes)
    except Exception as error:
        report("ff_otel could not read an Identity's attributes; ignored", error)
        return {}


def request_in_flight() -> bool:
    """True inside a request that an adapter's `RequestScope` has opened."""
    return isinstance(IN_FLIGHT.get(), RequestScope)  # not the options a request left for the code after it
