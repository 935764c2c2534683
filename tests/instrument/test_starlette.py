"""FastAPI and Starlette apps get the ASGI middleware when their stack is built: once, and once per request."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from openfeature import api
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

import ff_otel
from ff_otel_asgi import FeatureFlagMiddleware
from ff_otel_instrument import FeatureFlagInstrumentor
from tests.conftest import Telemetry


def _fastapi_app() -> FastAPI:
    app = FastAPI(telemetry={"tracing": False})

    @app.get("/", response_class=PlainTextResponse)
    def home() -> str:
        return str(api.get_client().get_boolean_value("new-checkout", False))

    return app


async def _starlette_home(request: Request) -> PlainTextResponse:
    return PlainTextResponse(str(api.get_client().get_string_value("banner-color", "grey")))


def _events(telemetry: Telemetry) -> list[str]:
    return [event.name for span in telemetry.spans() for event in span.events]


def _server_spans(telemetry: Telemetry) -> list[ReadableSpan]:
    return [span for span in telemetry.spans() if span.kind is SpanKind.SERVER]


def _ours(app: Starlette) -> list[object]:
    return [
        entry.cls
        for entry in app.user_middleware
        if isinstance(entry.cls, type) and issubclass(entry.cls, FeatureFlagMiddleware)
    ]


@pytest.mark.usefixtures("flags")
def test_a_fastapi_app_records_flags_on_its_request_span(
    instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry
) -> None:
    instrumentor.instrument()
    app = _fastapi_app()
    with TestClient(app) as client:
        assert client.get("/").text == "True"
    (span,) = _server_spans(telemetry)
    assert [event.name for event in span.events] == ["feature_flag.evaluation"]
    assert span.attributes is not None
    assert span.attributes["ff_otel.flags"] == ("new-checkout=on",)
    assert len(_ours(app)) == 1


@pytest.mark.usefixtures("flags")
def test_an_app_with_the_middleware_added_by_hand_gets_no_second_one(
    instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry
) -> None:
    instrumentor.instrument()
    app = _fastapi_app()
    app.add_middleware(FeatureFlagMiddleware)
    with TestClient(app) as client:
        client.get("/")
    assert _ours(app) == [FeatureFlagMiddleware]
    assert _events(telemetry) == ["feature_flag.evaluation"]


@pytest.mark.usefixtures("flags")
def test_a_mounted_app_or_one_wrapped_by_hand_counts_each_evaluation_once(
    instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry
) -> None:
    instrumentor.instrument()
    inner = Starlette(routes=[Route("/", _starlette_home)])
    outer = Starlette(routes=[Mount("/shop", app=inner)])
    with TestClient(outer) as client:
        assert client.get("/shop/").text == "#c05543"
    (span,) = _server_spans(telemetry)
    assert span.attributes is not None
    assert (span.attributes["ff_otel.evaluations"], [e.name for e in span.events]) == (1, ["feature_flag.evaluation"])

    telemetry.clear()
    wrapped = FeatureFlagMiddleware(Starlette(routes=[Route("/", _starlette_home)]))
    with TestClient(wrapped) as client:
        client.get("/")
    (span,) = _server_spans(telemetry)
    assert span.attributes is not None
    assert span.attributes["ff_otel.evaluations"] == 1


def test_after_uninstrument_new_apps_are_left_alone(instrumentor: FeatureFlagInstrumentor) -> None:
    instrumentor.instrument()
    instrumentor.uninstrument()
    app = _fastapi_app()
    with TestClient(app) as client:
        client.get("/")
    assert _ours(app) == []


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_automatic_middleware_leaves_a_request_bound_by_an_outer_one_alone(
    instrumentor: FeatureFlagInstrumentor,
) -> None:
    from ff_otel.integration import current_layer as current_frame
    from ff_otel_instrument._starlette import AutoFeatureFlagMiddleware

    instrumentor.instrument()
    seen: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(current_frame())

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""}
    scope.update({"scheme": "http", "server": ("127.0.0.1", 80), "root_path": "", "http_version": "1.1"})
    with ff_otel.evaluation_context(targeting_key="outer"):
        outer = current_frame()
        await AutoFeatureFlagMiddleware(app, start_span=False)(scope, receive, send)
        await FeatureFlagMiddleware(app, start_span=False)(scope, receive, send)
    assert seen[0] is outer
    assert seen[1] is not outer
