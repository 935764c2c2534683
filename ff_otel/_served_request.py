"""One request as a web adapter serves it, from its server span to its end, the same way in every framework.

`WebRequests` holds what one adapter's requests share (its options, URL exclusions and the server spans it may
start); `serve()` gives a `ServedRequest`: the request's span (found or started), its `RequestScope`, and one
`finish()` that names an owned span after the route, ends it with the response, and records the flag impact.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, MutableMapping, Sequence
from types import TracebackType
from typing import Any, cast

from opentelemetry.trace import Span, use_span

from ff_otel._adapter_options import AdapterOptions
from ff_otel._current_span import current_span
from ff_otel._identity import Identity, visitor_identity
from ff_otel._options import Options
from ff_otel._request import RequestScope, prepare
from ff_otel._safe import call_safely
from ff_otel._server_span import ServerSpan, ServerSpans
from ff_otel._streaming import AsyncStream, SyncStream
from ff_otel._urls import ExcludedUrls

RouteLookup = Callable[[], "str | None"]
"""The route template the framework matched (`/orders/<int:id>`), asked for when the request ends."""


class ServedRequest:
    """A request's span and scope; `with served:` binds both, and an exception out of the block ends the request.

    Usage (inside an adapter)::

        with served:
            response = handle(request)
        served.finish(response.status_code, reason=response.reason, headers=response.headers)
    """

    __slots__ = (
        "_activation",
        "_broken_by",
        "_finished",
        "_linger",
        "_method",
        "_route",
        "error",
        "finishes",
        "scope",
        "span",
        "status_code",
    )

    def __init__(
        self, scope: RequestScope, span: ServerSpan, *, method: str | None, route: RouteLookup, linger: bool = False
    ) -> None:
        self.scope = scope
        self.span = span
        self._method = method
        self._route = route
        self._linger = linger
        self._finished = False
        self.status_code: int | None = None
        """The response's status, for adapters that learn it before the request ends (see `end`)."""
        self.error: BaseException | None = None
        """The exception behind the request's failure, if any: noted by `note_exception`, or set by the adapter."""
        self._activation: contextlib.AbstractContextManager[object] | None = None
        self.finishes = span.owned or scope.impact is not None
        """True when `finish` has anything to do: a span started here to end, or impact flags to measure."""

    def __enter__(self) -> ServedRequest:
        if self.span.owned:  # OpenTelemetry's own span is current already
            activation = self._activation = self.span.activated()
            activation.__enter__()
        self.scope.__enter__()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            # With `linger`, code that still runs after the adapter (an outer middleware) keeps the identity.
            self.scope.close(linger=self._linger)
        finally:
            activation, self._activation = self._activation, None
            if activation is not None:
                activation.__exit__(exc_type, exc, tb)
        if exc is not None:
            self.finish(None, error=exc)

    def note_exception(self, error: BaseException) -> None:
        """The exception a framework turned into a 5xx response: on an owned span, and as the impact's error."""
        self.span.record_exception(error)
        self.error = error

    def finish(
        self,
        status: int | None,
        *,
        reason: str = "",
        headers: list[tuple[str, str]] | None = None,
        error: BaseException | None = None,
    ) -> None:
        """The response is sent: end an owned span, and record the request's flag impact. Only the first call counts.

        A 5xx without `error` takes the exception `note_exception` saw, if any.
        """
        if self._finished or not self.finishes:
            return
        self._finished = True
        route = call_safely("ff_otel could not read the request's route", self._route)
        broken = getattr(self, "_broken_by", None)  # unset unless a body broke off
        self.span.finish(
            method=self._method, route=route, status=status, reason=reason, headers=headers, failed=broken is not None
        )
        if error is None:  # a body that broke off failed the request whatever its status said
            error = broken
        if error is None and status is not None and status >= 500:
            error = self.error
        self.scope.end(self._method, route, status, error)

    def end(self) -> None:
        """`finish` with the `status_code` and `error` noted so far, then close the scope: the request is over."""
        self.finish(self.status_code, error=self.error)
        self.scope.close(linger=self._linger)

    def stream(
        self, chunks: Iterable[Any] | AsyncIterable[Any], finish: Callable[[], None]
    ) -> SyncStream | AsyncStream:
        """A streamed body (sync or async) whose chunks run in the request's span and context; `finish` runs once,
        after the last chunk or when the body is closed."""
        if isinstance(chunks, AsyncIterable):
            return AsyncStream(chunks, self._bind, finish, self._broken_off)
        return SyncStream(chunks, self._bind, finish, self._broken_off)

    def end_after_body(self, body: Iterable[bytes], span: Span) -> Iterable[bytes]:
        """A WSGI body whose chunks run in `span` (unless it is current already), for a framework whose span ends
        before the body is sent; `end()` follows the body's own `close()`. The scope stays open meanwhile."""

        def bind() -> contextlib.AbstractContextManager[object]:
            # A span still current (it ends with the last chunk) must not be made current once more after it.
            return contextlib.nullcontext() if current_span() is span else use_span(span)

        close_body: Callable[[], None] = getattr(body, "close", None) or (lambda: None)

        def finish() -> None:
            try:
                close_body()
            finally:
                self.end()

        return cast("Iterable[bytes]", SyncStream(body, bind, finish, self._broken_off))

    def _broken_off(self, error: BaseException) -> None:
        self._broken_by = error
        call_safely("ff_otel could not record the exception that broke off a body", self.span.record_exception, error)

    def _bind(self) -> contextlib.AbstractContextManager[object]:
        stack = contextlib.ExitStack()
        stack.enter_context(self.span.activated())
        stack.enter_context(self.scope)
        return stack


class WebRequests:
    """What the requests of one web adapter share: its options, its excluded URLs and its server spans.

    `frameworks` names the `OTEL_PYTHON_<FRAMEWORK>_EXCLUDED_URLS` variables read when `excluded_urls` is unset.

    Usage::

        requests = WebRequests("ff_otel_django", core_options, adapter_options, frameworks=("DJANGO",))
        if not requests.excludes(lambda: request.build_absolute_uri()):
            served = requests.serve(request, find_identity=..., method=..., route=..., carrier=request.META)
    """

    __slots__ = ("_excluded", "_prepared", "_spans", "core", "options")

    def __init__(
        self, instrumentation: str, core: Options, options: AdapterOptions, *, frameworks: Sequence[str]
    ) -> None:
        self.core = core
        self.options = options
        excluded = (ExcludedUrls.from_option(options.excluded_urls, framework) for framework in frameworks)
        self._excluded = tuple(patterns for patterns in excluded if patterns)
        self._prepared = prepare(core, options)
        self._spans = ServerSpans(
            instrumentation,
            tracer_provider=core.tracer_provider,
            meter_provider=core.meter_provider,
            enabled=options.start_span,
        )

    def excludes(self, url: Callable[[], str]) -> bool:
        """True when the request's URL (built only if some pattern is set) is excluded."""
        if not self._excluded:
            return False
        built = url()
        return any(excluded.excludes(built) for excluded in self._excluded)

    def visitor(
        self,
        user_id: object,
        *,
        session: MutableMapping[str, Any] | None,
        session_key: str | None = None,
        framework_secret: str | bytes | None = None,
    ) -> Identity | None:
        """`visitor_identity` with this adapter's `persist_anonymous_id` and `secret_key`, else `framework_secret`
        (the framework's own secret as it is now, for one set after the adapter)."""
        return visitor_identity(
            user_id,
            session=session,
            session_key=session_key,
            secret_key=self.core.secret_key or framework_secret,
            persist_anonymous_id=self.options.persist_anonymous_id,
        )

    def serve(
        self,
        request: object,
        *,
        find_identity: Callable[[], Identity | None],
        method: str | None,
        route: RouteLookup,
        carrier: Mapping[str, Any] | None = None,
        asgi: bool = False,
        span: Span | None = None,
        linger: bool = False,
    ) -> ServedRequest:
        """The request's `ServedRequest`. With a `carrier` (the WSGI environ or ASGI scope) its server span is the
        current one or one started here; without, `span` (or none yet) is the span its summary goes to."""
        server_span = ServerSpan(span) if carrier is None else self._spans.begin(carrier, asgi=asgi, method=method)
        scope = RequestScope(
            request, find_identity=find_identity, options=self.options, span=server_span.span, prepared=self._prepared
        )
        return ServedRequest(scope, server_span, method=method, route=route, linger=linger)
