"""The ASGI middleware: one served request per HTTP request or WebSocket connection."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, cast

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware, get_host_port_url_tuple
from opentelemetry.trace import Span
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ff_otel import Identity, Options
from ff_otel.integration import (
    AdapterOptionKeywords,
    AdapterOptions,
    ServedRequest,
    WebRequests,
    activate,
    option_signature,
    split_options,
)
from ff_otel_asgi._spans import current_request_span, traces_itself

if TYPE_CHECKING:
    from typing_extensions import Unpack

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

    @option_signature(Options, AdapterOptions)
    def __init__(self, app: ASGIApp | None = None, /, **options: Unpack[AdapterOptionKeywords]) -> None:
        if app is None:  # older Starlette releases pass the application as `app=`
            app = cast("dict[str, Any]", options).pop("app", None)
            if app is None:
                raise TypeError("FeatureFlagMiddleware needs the ASGI application it wraps")
        core, self.options = split_options(options)
        self.app: ASGIApp = app
        self._active = activate(core).active  # False under the kill switch: every request passes straight through
        # OpenTelemetry's FastAPI and Starlette instrumentations read different variables; honour both.
        self._requests = WebRequests("ff_otel_asgi", core, self.options, frameworks=("FASTAPI", "STARLETTE"))
        self._traced: ASGIApp | None = None
        if self.options.start_span:
            self._traced = OpenTelemetryMiddleware(
                self._handle, tracer_provider=core.tracer_provider, meter_provider=core.meter_provider
            )
        self._app_traces_itself: bool | None = None  # decided at the first request, once the app is built
        self._callbacks_read_request = self.options.identity is not None or self.options.context_builder is not None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The same URL that OpenTelemetry's ASGI middleware matches its own exclusions against.
        url = lambda: get_host_port_url_tuple(scope)[2]  # type: ignore[no-untyped-call]  # noqa: E731
        if not self._active or scope["type"] not in _HANDLED or self._requests.excludes(url):
            await self.app(scope, receive, send)
            return
        span = current_request_span()
        if span is not None or self._traced is None or self._wrapped_app_traces():
            await self._serve(scope, receive, send, span)
        else:
            await self._traced(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The application `_traced` wraps: its server span is current here."""
        await self._serve(scope, receive, send, current_request_span())

    async def _serve(self, scope: Scope, receive: Receive, send: Send, span: Span | None) -> None:
        served = self._requests.serve(
            # Made only for the callbacks it is handed to.
            _connection(scope) if self._callbacks_read_request else None,
            find_identity=lambda: _visitor(self._requests, scope),
            method=scope.get("method"),
            route=lambda: getattr(scope.get("route"), "path", None),  # the template of the route the router matched
            # None when the server span starts further in: the response start tells which it is.
            span=span,
            # An outer middleware may still evaluate flags for this user on the way out; the identity ends with
            # the request's task.
            linger=True,
        )
        with served:
            if (served.scope.summary is None and not served.finishes) or scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            response = _Response(served, send)
            try:
                await self.app(scope, receive, response.send)
            except BaseException as error:
                served.finish(response.status_code, error=error)
                raise
            served.finish(response.status_code)

    def _wrapped_app_traces(self) -> bool:
        if self._app_traces_itself is None:
            self._app_traces_itself = traces_itself(self.app)
        return self._app_traces_itself


def _connection(scope: Scope) -> HTTPConnection:
    return Request(scope) if scope["type"] == "http" else HTTPConnection(scope)


class _Response:
    """Watches one response: writes the flag summary just before its last chunk, and ends the request after it.

    FastAPI's own tracing ends its server span right after that chunk; closing the scope writes the summary again.
    """

    __slots__ = ("_send", "_served", "status_code")

    def __init__(self, served: ServedRequest, send: Send) -> None:
        self._served = served
        self._send = send
        self.status_code: int | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status_code = message.get("status")
            self._served.scope.adopt_current_span(server_only=True)
            await self._send(message)
            return
        last = (kind == "http.response.body" and not message.get("more_body")) or kind == "http.response.pathsend"
        if last:
            self._served.scope.write_summary()
        await self._send(message)
        # A 5xx ends when the application returns instead, so that the exception behind it, if any, is known.
        if last and self._served.finishes and (self.status_code or 0) < 500:
            self._served.finish(self.status_code)


def _visitor(requests: WebRequests, scope: Scope) -> Identity | None:
    """The user in `scope["user"]` (its `identity`, `id` or `username`), else an anonymous id kept in the session.

    Starlette's session is a signed cookie with no server-side key to hash, so only an id of our own will do.
    """
    user, session = scope.get("user"), scope.get("session")
    authenticated = user is not None and getattr(user, "is_authenticated", False) is True
    return requests.visitor(
        _user_id(user) if authenticated else None, session=session if isinstance(session, MutableMapping) else None
    )


def _user_id(user: object) -> object | None:
    # Starlette's BaseUser raises NotImplementedError for `identity` unless a subclass defines it; its SimpleUser
    # has only `username` in older Starlette releases.
    for name in ("identity", "id", "username"):
        try:
            value: object = getattr(user, name, None)
        except NotImplementedError:
            continue
        if value is not None and value != "":
            return value
    return None
