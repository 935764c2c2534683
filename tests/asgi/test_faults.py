"""Faults in user callbacks and providers: the response is unchanged, the flag default is returned, errors recorded."""

from __future__ import annotations

from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider.in_memory_provider import InMemoryProvider
from starlette.testclient import TestClient

from tests.asgi.apps import CONTEXT_ID, evaluation_events, fastapi_app, starlette_app, summary, the_server_span
from tests.conftest import FLAGS, Telemetry

EXPECTED = {"checkout": True, "color": "#c05543"}


def _problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "ff_otel"]


@pytest.mark.usefixtures("flags")
@pytest.mark.parametrize("ours_outside", [True, False], ids=["ours-outside", "ours-inside"])
def test_an_identity_callable_that_raises_falls_back_to_the_own_lookup(
    ours_outside: bool, telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Any) -> str:
        raise LookupError("token service down")

    client = TestClient(starlette_app(ours_outside=ours_outside, identity=broken))

    response = client.get("/flags", headers={"x-user": "alice"})

    assert response.status_code == 200
    assert response.json() == {**EXPECTED, "targeting_key": "alice", "attributes": {}}  # falls back to the lookup
    assert any("identity callable raised" in problem for problem in _problems(caplog))


@pytest.mark.usefixtures("flags")
def test_a_user_lookup_that_raises_leaves_the_request_anonymous(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    class Unreachable:
        @property
        def is_authenticated(self) -> bool:
            raise ConnectionError("user store down")

    app = fastapi_app(native_tracing=False)

    @app.middleware("http")
    async def broken_auth(request: Any, call_next: Any) -> Any:
        request.scope["user"] = Unreachable()
        return await call_next(request)

    response = TestClient(app).get("/async")

    assert response.json() == {**EXPECTED, "targeting_key": None, "attributes": {}}
    assert [event.get(CONTEXT_ID) for _, event in evaluation_events(telemetry.spans())] == [None, None]
    assert any("could not look up" in problem for problem in _problems(caplog))


@pytest.mark.usefixtures("flags")
def test_a_context_builder_that_raises_keeps_the_identity(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: Any) -> dict[str, Any]:
        raise KeyError("x-country")

    client = TestClient(starlette_app(ours_outside=True, context_builder=broken))

    response = client.get("/flags", headers={"x-user": "alice"})

    assert response.json() == {**EXPECTED, "targeting_key": "alice", "attributes": {}}
    assert [event[CONTEXT_ID] for _, event in evaluation_events(telemetry.spans())] == ["alice", "alice"]
    assert any("context_builder raised" in problem for problem in _problems(caplog))


class FailingProvider(InMemoryProvider):
    """The real in-memory provider, except that its string flags fail as a remote service would."""

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        raise ConnectionError("flag service unreachable")


def test_a_provider_that_raises_gives_the_default_and_an_error_event(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(FailingProvider(dict(FLAGS)))

    response = TestClient(fastapi_app()).get("/async")

    assert response.status_code == 200
    assert response.json() == {"checkout": True, "color": "#000000", "targeting_key": None, "attributes": {}}
    spans = telemetry.spans()
    failed = [event for _, event in evaluation_events(spans) if event["feature_flag.key"] == "banner-color"]
    assert failed == [
        {
            "feature_flag.key": "banner-color",
            "feature_flag.result.value": "#000000",
            "feature_flag.result.reason": "error",
            "feature_flag.provider.name": "In-Memory Provider",
            "error.type": "general",
            "feature_flag.error.message": "flag service unreachable",
        }
    ]
    assert summary(the_server_span(spans))["ff_otel.evaluations"] == 2


def test_a_missing_flag_gives_the_default_and_a_flag_not_found_event(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(InMemoryProvider({"new-checkout": FLAGS["new-checkout"]}))

    response = TestClient(fastapi_app()).get("/async")

    assert response.json()["color"] == "#000000"
    (event,) = [event for _, event in evaluation_events(telemetry.spans()) if "error.type" in event]
    assert event["feature_flag.key"] == "banner-color"
    assert event["error.type"] == "flag_not_found"
    assert event["feature_flag.result.reason"] == "error"
