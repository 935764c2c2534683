"""Evaluations become events on the span where they happen; the request's server span gets the summary.

Whoever traces the request (FastAPI itself, FastAPIInstrumentor, OpenTelemetry's ASGI middleware, or this
adapter), there is exactly one server span per request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from ff_otel_asgi import FeatureFlagMiddleware
from tests.asgi.apps import (
    CONTEXT_ID,
    FASTAPI_TRACES_ITSELF,
    evaluation_events,
    fastapi_app,
    needs_fastapi_tracing,
    starlette_app,
    summary,
    the_server_span,
)
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")

FLAGS_SUMMARY = {
    "ff_otel.flags": ("new-checkout=on", "banner-color=red"),
    "ff_otel.flags.count": 2,
    "ff_otel.evaluations": 2,
}


def _fastapi_native() -> Iterator[ASGIApp]:
    yield fastapi_app(identity=_user_header)


def _fastapi_native_wrapped_from_outside() -> Iterator[ASGIApp]:
    yield FeatureFlagMiddleware(fastapi_app(add_ours=False), identity=_user_header)


def _fastapi_instrumentor() -> Iterator[ASGIApp]:
    app = fastapi_app(identity=_user_header)
    FastAPIInstrumentor.instrument_app(app)
    try:
        yield app
    finally:
        FastAPIInstrumentor.uninstrument_app(app)


def _fastapi_instrumentor_wrapped_from_outside() -> Iterator[ASGIApp]:
    app = fastapi_app(add_ours=False)
    FastAPIInstrumentor.instrument_app(app)
    try:
        yield FeatureFlagMiddleware(app, identity=_user_header)
    finally:
        FastAPIInstrumentor.uninstrument_app(app)


def _fastapi_untraced() -> Iterator[ASGIApp]:
    yield fastapi_app(native_tracing=False, identity=_user_header)


def _otel_middleware_inside_ours() -> Iterator[ASGIApp]:
    app = fastapi_app(native_tracing=False, add_ours=False)
    app.add_middleware(OpenTelemetryMiddleware)
    app.add_middleware(FeatureFlagMiddleware, identity=_user_header)
    yield app


def _user_header(request: Any) -> str | None:
    user: str | None = request.headers.get("x-user")
    return user


SETUPS: dict[str, Callable[[], Iterator[ASGIApp]]] = {
    "fastapi-native": _fastapi_native,
    "fastapi-native-wrapped": _fastapi_native_wrapped_from_outside,
    "instrumentor": _fastapi_instrumentor,
    "instrumentor-wrapped": _fastapi_instrumentor_wrapped_from_outside,
    "ours": _fastapi_untraced,
    "otel-middleware-inside": _otel_middleware_inside_ours,
}


# FastAPI's own tracing and FastAPIInstrumentor know the route; a bare ASGI middleware does not. A server span
# with the route is theirs, so the adapter did not start one of its own around it.
KNOW_THE_ROUTE = {"fastapi-native", "fastapi-native-wrapped", "instrumentor", "instrumentor-wrapped"}


@pytest.fixture(params=sorted(SETUPS))
def setup(request: pytest.FixtureRequest) -> Iterator[tuple[str, ASGIApp]]:
    name: str = request.param
    if name.startswith("fastapi-native") and not FASTAPI_TRACES_ITSELF:
        pytest.skip("this FastAPI does not trace itself")
    for app in SETUPS[name]():
        yield name, app


@pytest.mark.parametrize("path", ["/async", "/sync"])
def test_evaluations_are_events_and_the_server_span_has_the_summary(
    setup: tuple[str, ASGIApp], path: str, telemetry: Telemetry
) -> None:
    name, app = setup
    response = TestClient(app).get(path, headers={"x-user": "alice"})

    assert response.json() == {"checkout": True, "color": "#c05543", "targeting_key": "alice", "attributes": {}}
    spans = telemetry.spans()
    server = the_server_span(spans)
    assert summary(server) == FLAGS_SUMMARY
    assert server.parent is None
    # Nor a second request span demoted to INTERNAL under ours: only send/receive and FastAPI's operation spans.
    others = [span.name for span in spans if span is not server and not span.name.startswith("fastapi.")]
    assert all(other.endswith((" send", " receive")) for other in others), others
    assert (server.attributes or {}).get("http.route") == (path if name in KNOW_THE_ROUTE else None)
    events = evaluation_events(spans)
    assert [event["feature_flag.key"] for _, event in events] == ["new-checkout", "banner-color"]
    for span, event in events:
        assert span.context.trace_id == server.context.trace_id
        assert event[CONTEXT_ID] == "alice"
        assert event["feature_flag.provider.name"] == "In-Memory Provider"
        assert event["feature_flag.result.reason"] == "static"
    assert [event["feature_flag.result.variant"] for _, event in events] == ["on", "red"]


@needs_fastapi_tracing
def test_fastapi_tracing_keeps_events_on_the_endpoint_span(telemetry: Telemetry) -> None:
    TestClient(fastapi_app()).get("/async")

    spans = telemetry.spans()
    server = the_server_span(spans)
    assert {span.name for span, _ in evaluation_events(spans)} == {"fastapi.endpoint"}
    assert not server.events
    assert summary(server) == FLAGS_SUMMARY


def test_without_any_other_tracing_the_adapter_starts_the_server_span(telemetry: Telemetry) -> None:
    TestClient(starlette_app(ours_outside=True)).get("/flags")

    server = the_server_span(telemetry.spans())
    assert server.instrumentation_scope is not None
    assert server.instrumentation_scope.name == "opentelemetry.instrumentation.asgi"
    assert len(server.events) == 2
    assert summary(server) == FLAGS_SUMMARY


def test_start_span_off_starts_none_and_records_outside_spans_as_logs(telemetry: Telemetry) -> None:
    response = TestClient(starlette_app(ours_outside=True, start_span=False)).get("/flags", headers={"x-user": "al"})

    assert response.json()["targeting_key"] == "al"
    assert telemetry.spans() == ()
    assert [dict(record.log_record.attributes or {})[CONTEXT_ID] for record in telemetry.logs()] == ["al", "al"]


def test_summary_off_leaves_the_span_alone(telemetry: Telemetry) -> None:
    TestClient(fastapi_app(summary=False)).get("/async")

    assert summary(the_server_span(telemetry.spans())) == {}


def test_the_summary_is_capped_but_the_counts_stay_exact(telemetry: Telemetry) -> None:
    TestClient(fastapi_app(max_summary_flags=1)).get("/async")

    assert summary(the_server_span(telemetry.spans())) == {**FLAGS_SUMMARY, "ff_otel.flags": ("new-checkout=on",)}


def test_a_failing_endpoint_still_gets_its_summary_and_events(telemetry: Telemetry) -> None:
    response = TestClient(fastapi_app(), raise_server_exceptions=False).get("/boom")

    assert response.status_code == 500
    spans = telemetry.spans()
    assert summary(the_server_span(spans)) == FLAGS_SUMMARY
    assert len(evaluation_events(spans)) == 2
