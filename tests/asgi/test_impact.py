"""Flag impact from the ASGI middleware (FastAPI and Starlette): per variant, at the last body chunk, failures too."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import starlette
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, StreamingResponse
from packaging.version import Version
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from ff_otel_asgi import FeatureFlagMiddleware
from tests.histograms import Sink
from tests.impact_app import (
    FLAG,
    ORDERS,
    assert_checkout_impact,
    checkout_status,
    cohort_context,
    headers,
    new_checkout,
    use_checkout_flags,
)

STREAM_PAUSE_SECONDS = 0.3
"""Between a streamed body's chunks: longer than the 0.25 s bucket, so the body's end is seen in the duration."""

STARLETTE_0_40 = Version(starlette.__version__) < Version("0.41")


@pytest.fixture(autouse=True)
def _flags() -> None:
    use_checkout_flags()


def _options(sink: Sink, **options: Any) -> dict[str, Any]:
    return {"impact_flags": [FLAG], "meter_provider": sink.provider, "context_builder": cohort_context, **options}


def fastapi_app(sink: Sink, **options: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/checkout/{order}")
    async def checkout(order: int) -> PlainTextResponse:
        return PlainTextResponse("done", status_code=checkout_status(order, new_checkout()))

    @app.get("/sync-checkout/{order}")
    def sync_checkout(order: int) -> PlainTextResponse:
        return PlainTextResponse("done", status_code=checkout_status(order, new_checkout()))

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[str]:
            yield "first\n"
            await asyncio.sleep(STREAM_PAUSE_SECONDS)  # a paused stream: the request lasts until its body ends
            yield f"{new_checkout()}\n"  # evaluated while the body is being sent

        return StreamingResponse(chunks())

    @app.get("/missing")
    async def missing() -> None:
        new_checkout()
        raise HTTPException(404)

    app.add_middleware(FeatureFlagMiddleware, **_options(sink, **options))
    return app


def starlette_app(sink: Sink) -> FeatureFlagMiddleware:
    async def checkout(request: Request) -> Response:
        order = int(request.path_params["order"])
        return Response("done", status_code=checkout_status(order, new_checkout()))

    app = Starlette(routes=[Route("/checkout/{order:int}", checkout)])
    return FeatureFlagMiddleware(app, **_options(sink))  # wrapping the application, as any ASGI app can be


@pytest.mark.parametrize(
    ("make_app", "path", "route", "exception_status"),
    [
        # Added with `add_middleware`, the middleware runs inside Starlette's error handler, which answers 500
        # after the exception has left it; wrapping the whole application, it sees that 500 go out.
        (fastapi_app, "/checkout", "/checkout/{order}", None),
        (fastapi_app, "/sync-checkout", "/sync-checkout/{order}", None),
        pytest.param(
            starlette_app,
            "/checkout",
            "/checkout/{order:int}",
            500,
            # Known gap: under Starlette 0.40, the declared floor, the wrapped app's route is not found.
            marks=pytest.mark.xfail(STARLETTE_0_40, strict=True, reason="Starlette 0.40: no route for a wrapped app"),
        ),
    ],
    ids=["fastapi-async", "fastapi-sync", "starlette-wrapped"],
)
def test_each_variant_gets_its_requests_durations_and_errors(
    make_app: Any, path: str, route: str, exception_status: int | None
) -> None:
    sink = Sink()
    client = TestClient(make_app(sink), raise_server_exceptions=False)
    for cohort, orders in ORDERS.items():
        for order in orders:
            client.get(f"{path}/{order}", headers=headers(cohort))

    assert_checkout_impact(sink.series(), route=route, exception_status=exception_status)


def test_a_streamed_body_ends_the_request_with_its_last_chunk() -> None:
    sink = Sink()
    response = TestClient(fastapi_app(sink)).get("/stream", headers=headers("beta"))
    assert response.text == "first\nTrue\n"

    (series,) = sink.series()
    assert (series.variant, series.count, series.attributes["http.route"]) == ("on", 1, "/stream")
    assert series.faster_than(0.25) == 0


def test_a_client_error_is_no_error_type() -> None:
    sink = Sink()
    assert TestClient(fastapi_app(sink)).get("/missing").status_code == 404

    (series,) = sink.series()
    assert series.attributes["http.response.status_code"] == 404
    assert "error.type" not in series.attributes


def test_without_impact_flags_there_is_no_histogram() -> None:
    sink = Sink()
    TestClient(fastapi_app(sink, impact_flags=()), raise_server_exceptions=False).get("/checkout/1")

    assert sink.series() == []
