"""Requests served one after another in one context (in-process clients, `httpx.ASGITransport`), and request tasks
whose contexts must be freed without the cyclic garbage collector."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.transaction_context import (
    TransactionContextPropagator,
    get_transaction_context,
    set_transaction_context_propagator,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ff_otel._request import RequestScope
from ff_otel_asgi import FeatureFlagMiddleware
from tests.asgi.apps import CONTEXT_ID, evaluation_events
from tests.conftest import Telemetry

_APP_CONTEXT: contextvars.ContextVar[EvaluationContext | None] = contextvars.ContextVar("app_context", default=None)


class _AppPropagator(TransactionContextPropagator):
    """The application's own transaction-context propagator."""

    def get_transaction_context(self) -> EvaluationContext:
        return _APP_CONTEXT.get() or EvaluationContext()

    def set_transaction_context(self, transaction_context: EvaluationContext) -> None:
        _APP_CONTEXT.set(transaction_context)


class _Tenant:
    """An outer middleware that sets each request's context through the application's propagator."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            who = dict(scope["headers"]).get(b"x-who", b"").decode() or None
            api.set_transaction_context(EvaluationContext(who))
        await self.app(scope, receive, send)


@pytest.fixture
def app_propagator() -> Iterator[None]:
    set_transaction_context_propagator(_AppPropagator())
    yield
    _APP_CONTEXT.set(None)


async def _evaluating(request: Request) -> JSONResponse:
    value = api.get_client().get_boolean_value("new-checkout", False)
    return JSONResponse({"key": get_transaction_context().targeting_key, "value": value})


async def _flag_free(request: Request) -> JSONResponse:
    return JSONResponse({})


def test_each_request_in_one_context_sees_what_the_apps_propagator_holds_for_it(
    telemetry: Telemetry, flags: None, app_propagator: None
) -> None:
    app = _Tenant(FeatureFlagMiddleware(Starlette(routes=[Route("/", _evaluating)])))

    async def serve() -> list[str | None]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            keys = []
            for who in ("alice", "bob", ""):
                keys.append((await client.get("/", headers={"x-who": who})).json()["key"])
            return keys

    assert asyncio.run(serve()) == ["alice", "bob", None]
    recorded = [event.get(CONTEXT_ID) for _, event in evaluation_events(telemetry.spans())]
    assert recorded[:2] == ["alice", "bob"]
    assert len(recorded) == 3
    assert recorded[2] not in ("alice", "bob")  # the visitor's own id: nobody set one


def test_requests_in_one_context_do_not_keep_the_ones_before_alive(telemetry: Telemetry) -> None:
    app = FeatureFlagMiddleware(Starlette(routes=[Route("/", _flag_free)]), context_builder=lambda r: {"a": 1})

    async def serve() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for _ in range(50):
                await client.get("/")
            gc.collect()
            return sum(type(candidate) is RequestScope for candidate in gc.get_objects())

    assert asyncio.run(serve()) <= 1  # at most the last one, still bound for code after it


class _Payload:
    """What an application keeps in a context variable for its request (a database session, a buffer)."""


_PAYLOAD: contextvars.ContextVar[_Payload] = contextvars.ContextVar("payload")


def test_a_request_tasks_context_is_freed_without_the_cyclic_collector(telemetry: Telemetry, flags: None) -> None:
    kept: list[weakref.ref[_Payload]] = []

    async def view(request: Request) -> JSONResponse:
        payload = _Payload()
        kept.append(weakref.ref(payload))
        _PAYLOAD.set(payload)
        return JSONResponse({"value": api.get_client().get_boolean_value("new-checkout", False)})

    app = FeatureFlagMiddleware(Starlette(routes=[Route("/", view)]))

    async def serve() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.create_task(client.get("/"))  # first use, outside the count
            gc.collect()
            gc.disable()
            try:
                for _ in range(20):
                    await asyncio.create_task(client.get("/"))  # one task, so one context, per request
                return sum(reference() is not None for reference in kept[1:])
            finally:
                gc.enable()

    assert asyncio.run(serve()) <= 1  # only reference counting has run: no request's context is in a cycle


def test_a_flag_free_requests_scope_is_freed_without_the_cyclic_collector(telemetry: Telemetry) -> None:
    app = FeatureFlagMiddleware(Starlette(routes=[Route("/", _flag_free)]))

    async def serve() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await asyncio.create_task(client.get("/"))
            gc.collect()
            gc.disable()
            try:
                for _ in range(20):
                    await asyncio.create_task(client.get("/"))
                return sum(type(candidate) is RequestScope for candidate in gc.get_objects())
            finally:
                gc.enable()

    assert asyncio.run(serve()) <= 1  # an identity never looked up leaves no cycle with its scope
