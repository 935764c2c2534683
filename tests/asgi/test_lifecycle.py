"""The life of a request: streaming, background tasks, WebSockets, lifespan, exclusions, and nothing left over."""

from __future__ import annotations

import gc
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from openfeature import api
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ff_otel_asgi import FeatureFlagMiddleware
from tests.asgi.apps import (
    CONTEXT_ID,
    evaluation_events,
    fastapi_app,
    needs_fastapi_tracing,
    server_spans,
    starlette_app,
    summary,
    the_server_span,
)
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")


def _user_header(request: Any) -> str | None:
    user: str | None = request.headers.get("x-user")
    return user


@pytest.mark.parametrize("native_tracing", [True, False], ids=["fastapi-tracing", "ours"])
def test_a_streaming_response_keeps_the_context_until_the_last_chunk(
    native_tracing: bool, telemetry: Telemetry
) -> None:
    app = fastapi_app(native_tracing=native_tracing, identity=_user_header)

    response = TestClient(app).get("/stream", headers={"x-user": "dora"})

    assert response.text == "start\ndora\ndora\n"
    spans = telemetry.spans()
    assert [event[CONTEXT_ID] for _, event in evaluation_events(spans)] == ["dora"] * 4
    assert summary(the_server_span(spans))["ff_otel.evaluations"] == 4


def test_background_tasks_see_the_request_context(telemetry: Telemetry) -> None:
    app = fastapi_app(identity=_user_header)

    response = TestClient(app).get("/background", headers={"x-user": "erin"})

    assert response.json()["targeting_key"] == "erin"
    assert [result["targeting_key"] for result in app.state.background_results] == ["erin"]
    spans = telemetry.spans()
    events = evaluation_events(spans)
    # Evaluations after the response are events only where a span is still open for them (recent Starlette
    # and FastAPI trace background tasks); older stacks have ended the request span by then.
    assert len(events) in (2, 4)
    assert [event[CONTEXT_ID] for _, event in events] == ["erin"] * len(events)
    assert {span.context.trace_id for span, _ in events} == {the_server_span(spans).context.trace_id}


@needs_fastapi_tracing
def test_with_fastapi_tracing_a_background_task_has_a_span_of_its_own(telemetry: Telemetry) -> None:
    TestClient(fastapi_app()).get("/background")

    events = evaluation_events(telemetry.spans())
    # The background task runs after the response (and after the server span ended), under the same request.
    assert [span.name for span, _ in events] == ["fastapi.endpoint"] * 2 + ["fastapi.background_task"] * 2


@pytest.mark.parametrize("ours_outside", [True, False], ids=["ours-outside", "ours-inside"])
def test_a_websocket_gets_identity_and_context_for_the_whole_connection(
    ours_outside: bool, telemetry: Telemetry
) -> None:
    client = TestClient(starlette_app(ours_outside=ours_outside))

    with client.websocket_connect("/ws", headers={"x-user": "frank"}) as websocket:
        replies = []
        for flag in ("new-checkout", "missing-flag", "new-checkout"):
            websocket.send_text(flag)
            replies.append(websocket.receive_json())

    assert [(reply["value"], reply["targeting_key"]) for reply in replies] == [
        (True, "frank"),
        (False, "frank"),
        (True, "frank"),
    ]
    spans = telemetry.spans()
    server = the_server_span(spans)
    assert [event[CONTEXT_ID] for _, event in evaluation_events(spans)] == ["frank"] * 3
    assert summary(server)["ff_otel.evaluations"] == 3


def test_lifespan_passes_straight_through(telemetry: Telemetry) -> None:
    seen: list[Any] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        seen.append(api.get_client().get_boolean_value("new-checkout", False))
        yield

    app = Starlette(lifespan=lifespan)
    app.add_middleware(FeatureFlagMiddleware)

    with TestClient(app):
        pass

    assert seen == [True]
    assert telemetry.spans() == ()  # no span for the lifespan: its evaluation is a log record
    (record,) = telemetry.logs()
    assert CONTEXT_ID not in dict(record.log_record.attributes or {})


def test_excluded_urls_get_no_identity_and_no_span(telemetry: Telemetry) -> None:
    client = TestClient(starlette_app(ours_outside=True, excluded_urls="/health"))

    excluded = client.get("/health", headers={"x-user": "gina"}).json()
    included = client.get("/flags", headers={"x-user": "gina"}).json()

    assert excluded["targeting_key"] is None
    assert included["targeting_key"] == "gina"
    spans = telemetry.spans()
    assert len(server_spans(spans)) == 1  # the excluded request was not traced
    assert [event[CONTEXT_ID] for _, event in evaluation_events(spans)] == ["gina", "gina"]
    assert len(telemetry.logs()) == 2  # the excluded request's evaluations, outside any span


def test_excluded_urls_come_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_STARLETTE_EXCLUDED_URLS", "health")
    client = TestClient(starlette_app(ours_outside=True))

    assert client.get("/health", headers={"x-user": "gina"}).json()["targeting_key"] is None
    assert client.get("/flags", headers={"x-user": "gina"}).json()["targeting_key"] == "gina"


def test_no_context_is_left_over_after_a_request(telemetry: Telemetry) -> None:
    app = fastapi_app(native_tracing=False, identity=_user_header)
    client = TestClient(app, raise_server_exceptions=False)

    for path in ("/async", "/sync", "/stream", "/boom"):
        client.get(path, headers={"x-user": "hank"})
        assert client.get("/sync").json()["targeting_key"] is None
        assert client.get("/async").json()["targeting_key"] is None


def test_an_app_dropped_after_serving_is_collected(telemetry: Telemetry) -> None:
    app = fastapi_app(native_tracing=False, identity=_user_header)
    with TestClient(app) as client:
        assert client.get("/async", headers={"x-user": "hank"}).json()["targeting_key"] == "hank"
    dropped = weakref.ref(app)
    del app, client
    gc.collect()

    assert dropped() is None
    assert evaluation_events(telemetry.spans())


def test_an_unknown_option_is_rejected_by_name() -> None:
    with pytest.raises(TypeError, match="'semconf'"):
        FeatureFlagMiddleware(Starlette(), semconf="both")  # type: ignore[call-arg]


def test_core_options_pass_through_to_the_recorder(telemetry: Telemetry) -> None:
    client = TestClient(starlette_app(ours_outside=True, semconv="both", pseudonymize_context_id=True, secret_key="k"))

    client.get("/flags", headers={"x-user": "ivy"})

    (_, event), _ = evaluation_events(telemetry.spans())
    assert event["feature_flag.variant"] == "on"  # the legacy name, from semconv="both"
    assert event[CONTEXT_ID] not in (None, "ivy")
