"""Small real FastAPI and Starlette applications that evaluate flags, and helpers to read their telemetry."""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterator, Sequence
from typing import Any

import anyio
import pytest
from fastapi import BackgroundTasks, Depends, FastAPI, Header, WebSocket
from fastapi.responses import StreamingResponse
from openfeature import api
from openfeature.transaction_context import get_transaction_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser, SimpleUser
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

import ff_otel_asgi
from ff_otel_asgi import ANONYMOUS_ID_SESSION_KEY, FeatureFlagMiddleware

FASTAPI_TRACES_ITSELF = "telemetry" in inspect.signature(FastAPI.__init__).parameters
"""FastAPI 0.16x starts its own server span (and operation spans) once an SDK tracer provider is set."""

needs_fastapi_tracing = pytest.mark.skipif(not FASTAPI_TRACES_ITSELF, reason="this FastAPI does not trace itself")

EVENT = "feature_flag.evaluation"
CONTEXT_ID = "feature_flag.context.id"


def seen_context() -> dict[str, Any]:
    """The evaluation context the application sees right now."""
    context = get_transaction_context()
    return {"targeting_key": context.targeting_key, "attributes": dict(context.attributes)}


def evaluate() -> dict[str, Any]:
    """Evaluate two flags and report what came back and which context was in force."""
    client = api.get_client()
    checkout = client.get_boolean_value("new-checkout", False)
    color = client.get_string_value("banner-color", "#000000")
    return {"checkout": checkout, "color": color, **seen_context()}


class HeaderUser(BaseUser):
    """A user known only by an `id`, as many applications' own user classes are."""

    def __init__(self, user_id: int) -> None:
        self.id = user_id

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"user {self.id}"


class HeaderAuthBackend(AuthenticationBackend):
    """`X-User: alice` logs in SimpleUser("alice"); `X-User-Id: 7` logs in a user with only an `id`."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        if "x-user-id" in conn.headers:
            return AuthCredentials(["authenticated"]), HeaderUser(int(conn.headers["x-user-id"]))
        if "x-user" in conn.headers:
            return AuthCredentials(["authenticated"]), SimpleUser(conn.headers["x-user"])
        return None


async def flags_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(evaluate())


async def session_endpoint(request: Request) -> JSONResponse:
    result = evaluate()
    result["anonymous_id"] = request.session.get(ANONYMOUS_ID_SESSION_KEY)
    return JSONResponse(result)


async def websocket_endpoint(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        value = api.get_client().get_boolean_value(text, False)
        await websocket.send_json({"flag": text, "value": value, **seen_context()})


def starlette_app(*, ours_outside: bool, session: bool = False, **options: Any) -> Starlette:
    """A Starlette app with authentication (and a session): our middleware outside them, or inside."""
    theirs = [Middleware(AuthenticationMiddleware, backend=HeaderAuthBackend())]
    if session:
        theirs.append(Middleware(SessionMiddleware, secret_key="session-secret"))
    ours = Middleware(FeatureFlagMiddleware, **options)
    middleware = [ours, *theirs] if ours_outside else [*theirs, ours]
    routes = [
        Route("/flags", flags_endpoint),
        Route("/health", flags_endpoint),
        Route("/session", session_endpoint),
        WebSocketRoute("/ws", websocket_endpoint),
    ]
    return Starlette(routes=routes, middleware=middleware)


async def current_user(authorization: str | None = Header(default=None)) -> str | None:
    """An async FastAPI dependency that authenticates a bearer token and binds the user for the request."""
    if authorization and authorization.startswith("Bearer "):
        user = authorization.removeprefix("Bearer ")
        ff_otel_asgi.identify(user, attributes={"plan": "pro"})
        return user
    return None


def current_user_sync(authorization: str | None = Header(default=None)) -> str | None:
    """The same dependency written as a plain function: FastAPI runs it in a worker thread."""
    if authorization and authorization.startswith("Bearer "):
        user = authorization.removeprefix("Bearer ")
        ff_otel_asgi.identify(user, attributes={"plan": "free"})
        return user
    return None


def fastapi_app(*, native_tracing: bool = True, add_ours: bool = True, **options: Any) -> FastAPI:
    """A FastAPI app with async, sync, streaming, background, failing and dependency-authenticated endpoints."""
    settings: dict[str, Any] = {}
    if FASTAPI_TRACES_ITSELF:
        settings["telemetry"] = {"tracing": native_tracing, "metrics": False, "logs": False}
    app = FastAPI(**settings)
    background_results: list[dict[str, Any]] = []
    app.state.background_results = background_results

    @app.get("/async")
    async def async_endpoint() -> dict[str, Any]:
        return evaluate()

    @app.get("/sync")
    def sync_endpoint() -> dict[str, Any]:
        return evaluate()

    @app.get("/stream")
    def stream_endpoint() -> StreamingResponse:
        def chunks() -> Iterator[str]:
            yield "start\n"
            yield f"{evaluate()['targeting_key']}\n"
            time.sleep(0.01)  # a pause mid-body: the request's context must hold across it
            yield f"{evaluate()['targeting_key']}\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/background")
    async def background_endpoint(tasks: BackgroundTasks) -> dict[str, Any]:
        tasks.add_task(lambda: background_results.append(evaluate()))
        return evaluate()

    @app.get("/boom")
    async def boom_endpoint() -> dict[str, Any]:
        evaluate()
        raise RuntimeError("endpoint failed")

    @app.get("/me")
    async def me_endpoint(user: str | None = Depends(current_user)) -> dict[str, Any]:
        return {"user": user, **evaluate()}

    @app.get("/me-sync")
    async def me_sync_endpoint(user: str | None = Depends(current_user_sync)) -> dict[str, Any]:
        return {"user": user, **evaluate()}

    @app.get("/slow")
    async def slow_endpoint(x_request: str = Header()) -> dict[str, Any]:
        trace.get_current_span().set_attribute("test.request", x_request)
        first = evaluate()
        await anyio.sleep(0.005)  # let concurrent requests interleave between the two evaluations
        second = evaluate()
        return {"first": first["targeting_key"], "second": second["targeting_key"]}

    @app.get("/slow-sync")
    def slow_sync_endpoint(x_request: str = Header()) -> dict[str, Any]:
        trace.get_current_span().set_attribute("test.request", x_request)
        first = evaluate()
        time.sleep(0.005)  # let concurrent requests interleave between the two evaluations
        second = evaluate()
        return {"first": first["targeting_key"], "second": second["targeting_key"]}

    @app.websocket("/ws")
    async def fastapi_websocket(websocket: WebSocket) -> None:
        await websocket_endpoint(websocket)

    if add_ours:
        app.add_middleware(FeatureFlagMiddleware, **options)
    return app


def server_spans(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is SpanKind.SERVER]


def the_server_span(spans: Sequence[ReadableSpan]) -> ReadableSpan:
    (span,) = server_spans(spans)
    return span


def evaluation_events(spans: Sequence[ReadableSpan]) -> list[tuple[ReadableSpan, dict[str, Any]]]:
    """Every evaluation event, with the span it is on."""
    return [(span, dict(event.attributes or {})) for span in spans for event in span.events if event.name == EVENT]


def summary(span: ReadableSpan) -> dict[str, Any]:
    attributes = dict(span.attributes or {})
    return {key: value for key, value in attributes.items() if key.startswith("ff_otel.")}
