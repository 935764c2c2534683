"""The ASGI middleware: one request scope per HTTP request or WebSocket connection."""

from __future__ import annotations

from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware, get_host_port_url_tuple
from opentelemetry.trace import INVALID_SPAN
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ff_otel.integration import ExcludedUrls, RequestScope, activate, split_options
from ff_otel_asgi._identity import find_identity
from ff_otel_asgi._spans import current_request_span, is_server_span, traces_itself

_HANDLED = ("http", "websocket")


class FeatureFlagMiddleware:
    """Binds each request's user and span so that its flag evaluations are recorded on it.

    Every keyword is an ff-otel option (core options such as `semconv` and `secret_key`, adapter options such as
    `context_builder`, `identity` and `persist_anonymous_id`); an unknown one raises TypeError. Creating the
    middleware turns ff-otel on; its requests are recorded with these options, whatever other apps in the process use.

    Usage::

        app.add_middleware(FeatureFlagMiddleware, context_builder=lambda request: {"plan": "pro"})
        app = FeatureFlagMiddleware(app)   # any ASGI application
    """

    def __init__(self, app: ASGIApp | None = None, /, **options: Any) -> None:
        if app is None:  # older Starlette releases pass the application as `app=`
            app = options.pop("app", None)
            if app is None:
                raise TypeError("FeatureFlagMiddleware needs the ASGI application it wraps")
        core, adapter = split_options(options)
        self.app: ASGIApp = app
        self.options = adapter
        self._core = core
        self._secret_key = core.secret_key
        self._active = activate(core).active  # False under the kill switch: every request passes straight through
        # OpenTelemetry's FastAPI and Starlette instrumentations read different variables; honour both.
        excluded = (ExcludedUrls.from_option(adapter.excluded_urls, name) for name in ("FASTAPI", "STARLETTE"))
        self._excluded = tuple(patterns for patterns in excluded if patterns)
        self._traced: ASGIApp | None = None
        if adapter.start_span:
            self._traced = OpenTelemetryMiddleware(
                self._handle, tracer_provider=core.tracer_provider, meter_provider=core.meter_provider
            )
        self._app_traces_itself: bool | None = None  # decided at the first request, once the app is built

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._active or scope["type"] not in _HANDLED or self._is_excluded(scope):
            await self.app(scope, receive, send)
        elif self._traced is None or current_request_span() is not None or self._wrapped_app_traces():
            await self._handle(scope, receive, send)
        else:
            await self._traced(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = Request(scope) if scope["type"] == "http" else HTTPConnection(scope)
        request_scope = RequestScope(
            connection,
            find_identity=lambda: find_identity(scope, self._secret_key, self.options.persist_anonymous_id),
            options=self.options,
            core=self._core,
            # None when the server span starts further in: the response start tells which it is.
            span=current_request_span(),
        )
        request_scope.__enter__()
        try:
            measured = bool(self.options.impact_flags)
            if (request_scope.state is None and not measured) or scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            response = _Response(request_scope, scope, send, measured)
            try:
                await self.app(scope, receive, response.send)
            except BaseException as error:
                response.end(error)
                raise
            response.end(None)
        finally:
            # An outer middleware may still evaluate flags for this user on the way out; the identity ends with
            # the request's task.
            request_scope.close(linger=True)

    def _is_excluded(self, scope: Scope) -> bool:
        if not self._excluded:
            return False
        # The same URL that OpenTelemetry's ASGI middleware matches its own exclusions against.
        url: str = get_host_port_url_tuple(scope)[2]  # type: ignore[no-untyped-call]
        return any(excluded.excludes(url) for excluded in self._excluded)

    def _wrapped_app_traces(self) -> bool:
        if self._app_traces_itself is None:
            self._app_traces_itself = traces_itself(self.app)
        return self._app_traces_itself


class _Response:
    """Watches one response: writes the flag summary just before its last chunk, and ends the request after it.

    FastAPI's own tracing ends its server span right after that chunk; closing the scope writes the summary again.
    """

    __slots__ = ("_measured", "_request_scope", "_scope", "_send", "status_code")

    def __init__(self, request_scope: RequestScope, scope: Scope, send: Send, measured: bool) -> None:
        self._request_scope = request_scope
        self._scope = scope
        self._send = send
        self._measured = measured
        self.status_code: int | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        last = (kind == "http.response.body" and not message.get("more_body")) or kind == "http.response.pathsend"
        if kind == "http.response.start":
            self.status_code = message.get("status")
            if self._request_scope.span is INVALID_SPAN:
                span = current_request_span()
                if span is not None and is_server_span(span):
                    self._request_scope.span = span
        elif last:
            self._request_scope.write_summary()
        await self._send(message)
        # A 5xx ends when the application returns instead, so that the exception behind it, if any, is known.
        if last and (self.status_code or 0) < 500:
            self.end(None)

    def end(self, error: BaseException | None) -> None:
        """The request is over (its impact is recorded once, whichever call comes first)."""
        if self._measured:
            route = getattr(self._scope.get("route"), "path", None)  # the template of the route the router matched
            self._request_scope.end(self._scope.get("method"), route, self.status_code, error)
