"""One web request as the adapters see it: a lazily resolved identity and a summary of its flags."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from opentelemetry.trace import INVALID_SPAN, Span

from ff_otel import _semconv as semconv
from ff_otel._adapter_options import AdapterOptions
from ff_otel._context import Frame, _Binding, bind
from ff_otel._identity import ANONYMOUS, Identity
from ff_otel._safe import call_safely, report

IdentityFinder = Callable[[], "Identity | None"]
"""The adapter's own lookup: user, else session, else None for anonymous."""


class RequestState:
    """The flags one request evaluated, written onto its span when it ends."""

    __slots__ = ("entries", "evaluations", "keys", "max_entries", "span")

    def __init__(self, span: Span, max_entries: int) -> None:
        self.span = span
        self.max_entries = max_entries
        self.entries: dict[str, None] = {}  # insertion-ordered set of "key=variant"
        self.keys: set[str] = set()
        self.evaluations = 0

    def note(self, key: str, variant: str | None) -> None:
        """Count one evaluation of `key` that resolved to `variant`."""
        self.evaluations += 1
        self.keys.add(key)
        if len(self.entries) < self.max_entries:
            self.entries[key if variant is None else f"{key}={variant}"] = None

    def write(self) -> None:
        """Put the summary on the request span, if anything was evaluated and the span still records."""
        if self.evaluations and self.span.is_recording():
            self.span.set_attributes(
                {
                    semconv.SUMMARY_FLAGS: list(self.entries),
                    semconv.SUMMARY_FLAG_COUNT: len(self.keys),
                    semconv.SUMMARY_EVALUATION_COUNT: self.evaluations,
                }
            )


class RequestScope:
    """Binds one web request for its whole life: identity, evaluation context, and the flag summary.

    The identity is looked up at the first flag evaluation, not before, so it does not matter whether the
    framework's authentication ran before or after the adapter. Every user callback is guarded: if it raises,
    the request goes on as anonymous and one line is logged on the `ff_otel` logger.

    Usage (inside an adapter)::

        with RequestScope(request, find_identity=lambda: find_user(request), options=options, span=span):
            response = handle(request)
    """

    __slots__ = ("_binding", "_find_identity", "_options", "_request", "frame", "state")

    def __init__(
        self,
        request: object,
        *,
        find_identity: IdentityFinder,
        options: AdapterOptions,
        span: Span | None = None,
    ) -> None:
        self._request = request
        self._find_identity = find_identity
        self._options = options
        self.state = RequestState(span or INVALID_SPAN, options.max_summary_flags) if options.summary else None
        self.frame = Frame(resolver=self._resolve, request=self.state)
        self._binding: _Binding | None = None

    def _resolve(self) -> tuple[str | None, str | None, Mapping[str, Any]]:
        identity = self._identity()
        attributes: dict[str, Any] = dict(identity.attributes)
        builder = self._options.context_builder
        if builder is not None:
            extra = call_safely("ff_otel context_builder raised", builder, self._request)
            if isinstance(extra, Mapping):
                attributes.update(extra)
            elif extra is not None:
                report(f"ff_otel context_builder returned {type(extra).__name__}, not a mapping; ignored")
        return identity.targeting_key, None, attributes

    def _identity(self) -> Identity:
        custom = self._options.identity
        if custom is not None:
            found = call_safely("ff_otel identity callable raised", custom, self._request)
            if isinstance(found, Identity):
                return found
            if isinstance(found, str | int):
                return Identity.user(found)
            if found is not None:
                report(f"ff_otel identity callable returned {type(found).__name__}; expected Identity, str or None")
        return call_safely("ff_otel could not look up the request's user or session", self._find_identity) or ANONYMOUS

    def __enter__(self) -> RequestScope:
        self._binding = bind(self.frame)
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
    def span(self) -> Span | None:
        """The span that receives the summary; settable for adapters that learn it only later in the request."""
        return None if self.state is None else self.state.span

    @span.setter
    def span(self, span: Span) -> None:
        if self.state is not None:
            self.state.span = span

    def resolve(self) -> None:
        """Look the identity up now rather than at the first evaluation (before async code that cannot)."""
        self.frame.evaluation_context()

    def write_summary(self) -> None:
        """Write the summary so far on the span, for adapters whose span ends before the request does."""
        if self.state is not None:
            call_safely("ff_otel could not write the request's flag summary", self.state.write)

    def close(self) -> None:
        """Write the summary and restore the context that was there before. Idempotent."""
        binding, self._binding = self._binding, None
        if binding is None:
            return
        self.write_summary()
        binding.release()
