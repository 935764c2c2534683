"""ff-otel is a guest in an ASGI app's flag evaluation: the app's own context, callbacks and options win."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Header
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

import ff_otel
from ff_otel_asgi import FeatureFlagMiddleware
from tests.asgi.apps import HeaderAuthBackend, evaluate
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")


class SetsTheContext:
    """An application's own middleware that sets the OpenFeature transaction context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            chosen = headers.get(b"x-app-targeting-key")
            if chosen is not None:
                api.set_transaction_context(EvaluationContext(chosen.decode() or None, {"tenant": "acme"}))
        await self.app(scope, receive, send)


async def flags(request: Request) -> JSONResponse:
    return JSONResponse(evaluate())


def _app(*, app_outside: bool, **options: Any) -> Starlette:
    ours = Middleware(FeatureFlagMiddleware, start_span=False, **options)
    own = Middleware(SetsTheContext)
    auth = Middleware(AuthenticationMiddleware, backend=HeaderAuthBackend())
    return Starlette(
        routes=[Route("/flags", flags)], middleware=[own, ours, auth] if app_outside else [ours, own, auth]
    )


@pytest.mark.parametrize("app_outside", [True, False], ids=["app-outside-ours", "app-inside-ours"])
def test_the_applications_own_context_wins_in_a_middleware(telemetry: Telemetry, app_outside: bool) -> None:
    client = TestClient(_app(app_outside=app_outside))

    chosen = client.get("/flags", headers={"x-user": "alice", "x-app-targeting-key": "tenant-7"}).json()
    filled = client.get("/flags", headers={"x-user": "alice", "x-app-targeting-key": ""}).json()

    assert (chosen["targeting_key"], chosen["attributes"]) == ("tenant-7", {"tenant": "acme"})
    assert (filled["targeting_key"], filled["attributes"]) == ("alice", {"tenant": "acme"})


def test_the_applications_own_context_wins_in_a_dependency(telemetry: Telemetry) -> None:
    app = FastAPI()

    async def tenant(x_tenant: str = Header()) -> str:
        api.set_transaction_context(EvaluationContext(x_tenant, {"tenant": x_tenant}))
        return x_tenant

    @app.get("/flags")
    async def flags_route(chosen: str = Depends(tenant)) -> dict[str, Any]:
        return evaluate()

    app.add_middleware(FeatureFlagMiddleware, start_span=False)
    app.add_middleware(AuthenticationMiddleware, backend=HeaderAuthBackend())
    reply = TestClient(app).get("/flags", headers={"x-user": "alice", "x-tenant": "t-9"}).json()

    assert (reply["targeting_key"], reply["attributes"]) == ("t-9", {"tenant": "t-9"})


@pytest.mark.parametrize(
    "identity",
    [
        lambda request: ff_otel.Identity("u-1", "user", None),  # type: ignore[arg-type]
        lambda request: ff_otel.Identity(["u-1"], "user", {}),  # type: ignore[arg-type]
        lambda request: ff_otel.Identity("u-1", "user", ["plan", "pro"]),  # type: ignore[arg-type]
        lambda request: object(),
    ],
    ids=["attributes-none", "key-a-list", "attributes-a-list", "not-an-identity"],
)
def test_a_malformed_identity_is_one_log_line_and_never_a_500(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture, identity: Any
) -> None:
    client = TestClient(_app(app_outside=True, identity=identity))

    response = client.get("/flags")

    assert response.status_code == 200
    assert response.json()["checkout"] is True
    assert len([r for r in caplog.records if r.name == "ff_otel" and r.levelno == logging.WARNING]) == 1


def test_a_context_builder_whose_mapping_raises_while_read_is_one_log_line(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    class Exploding(dict[str, Any]):
        def keys(self) -> Any:
            raise RuntimeError("lazy attributes failed")

        def __iter__(self) -> Any:
            raise RuntimeError("lazy attributes failed")

    client = TestClient(_app(app_outside=True, context_builder=lambda request: Exploding(plan="pro")))

    response = client.get("/flags", headers={"x-user": "alice"})

    assert response.status_code == 200
    assert response.json()["targeting_key"] == "alice"
    assert len([r for r in caplog.records if r.name == "ff_otel" and r.levelno == logging.WARNING]) == 1


def test_a_mounted_app_keeps_its_own_options(telemetry: Telemetry) -> None:
    inner = Starlette(routes=[Route("/flags", flags)])
    inner_app = FeatureFlagMiddleware(inner, pseudonymize_context_id=True, secret_key="inner", capture_value="never")
    outer = Starlette(
        routes=[Route("/flags", flags), Mount("/inner", app=inner_app)],
        middleware=[Middleware(AuthenticationMiddleware, backend=HeaderAuthBackend())],
    )
    outer_app = FeatureFlagMiddleware(outer, capture_value="always")
    client = TestClient(outer_app)

    client.get("/flags", headers={"x-user": "alice"})
    outer_events = [dict(e.attributes or {}) for s in telemetry.spans() for e in s.events]
    telemetry.clear()
    client.get("/inner/flags", headers={"x-user": "alice"})
    inner_events = [dict(e.attributes or {}) for s in telemetry.spans() for e in s.events]

    assert {e["feature_flag.context.id"] for e in outer_events} == {"alice"}
    assert all("feature_flag.result.value" in e for e in outer_events)
    assert {e["feature_flag.context.id"] for e in inner_events} == {ff_otel.pseudonymize("alice", "inner")}
    assert all("feature_flag.result.value" not in e for e in inner_events)


def test_the_kill_switch_makes_the_middleware_a_pass_through(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_ENABLED", "false")
    app = Starlette(
        routes=[Route("/flags", flags)],
        middleware=[
            Middleware(AuthenticationMiddleware, backend=HeaderAuthBackend()),
            Middleware(FeatureFlagMiddleware),
        ],
    )

    reply = TestClient(app).get("/flags", headers={"x-user": "alice"}).json()

    assert reply["targeting_key"] is None
    assert telemetry.spans() == ()
    assert ff_otel.current_installation() is None


def test_an_outer_middleware_evaluating_on_the_way_out_sees_the_user(telemetry: Telemetry) -> None:
    seen: list[str | None] = []

    class EvaluatesOnTheWayOut:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            await self.app(scope, receive, send)
            if scope["type"] == "http":
                api.get_client().get_boolean_value("new-checkout", False)
                seen.append(api.get_transaction_context().targeting_key)

    app = Starlette(
        routes=[Route("/flags", flags)],
        middleware=[
            Middleware(EvaluatesOnTheWayOut),
            Middleware(FeatureFlagMiddleware, start_span=False),
            Middleware(AuthenticationMiddleware, backend=HeaderAuthBackend()),
        ],
    )
    client = TestClient(app)
    client.get("/flags", headers={"x-user": "alice"})
    client.get("/flags")

    assert seen == ["alice", None]
