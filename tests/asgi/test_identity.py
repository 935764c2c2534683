"""Who a request is for: Starlette's user, a persisted anonymous id, a custom lookup, or a FastAPI dependency."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

import ff_otel
from tests.asgi.apps import CONTEXT_ID, evaluation_events, fastapi_app, starlette_app
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")

ORDERS = pytest.mark.parametrize("ours_outside", [True, False], ids=["ours-outside", "ours-inside"])


@ORDERS
def test_the_authenticated_user_is_found_whatever_the_middleware_order(
    ours_outside: bool, telemetry: Telemetry
) -> None:
    client = TestClient(starlette_app(ours_outside=ours_outside))

    assert client.get("/flags", headers={"x-user": "alice"}).json()["targeting_key"] == "alice"
    assert client.get("/flags", headers={"x-user-id": "42"}).json()["targeting_key"] == "42"
    assert client.get("/flags").json()["targeting_key"] is None

    context_ids = [event.get(CONTEXT_ID) for _, event in evaluation_events(telemetry.spans())]
    assert context_ids == ["alice", "alice", "42", "42", None, None]


@ORDERS
def test_a_persisted_anonymous_id_is_stable_across_requests(ours_outside: bool) -> None:
    client = TestClient(starlette_app(ours_outside=ours_outside, session=True, persist_anonymous_id=True))

    first = client.get("/session").json()
    second = client.get("/session").json()

    assert first["anonymous_id"]
    # Without a secret key the id is still hashed: the cookie's value never becomes the targeting key.
    assert first["targeting_key"] == ff_otel.Identity.session(first["anonymous_id"], None).targeting_key
    assert first["targeting_key"] == second["targeting_key"] != first["anonymous_id"]
    other_visitor = TestClient(starlette_app(ours_outside=ours_outside, session=True, persist_anonymous_id=True))
    assert other_visitor.get("/session").json()["targeting_key"] not in (None, first["targeting_key"])


def test_the_anonymous_id_is_hashed_with_the_secret_key() -> None:
    app = starlette_app(ours_outside=True, session=True, persist_anonymous_id=True, secret_key="app-secret")

    result = TestClient(app).get("/session").json()

    assert result["targeting_key"] == ff_otel.Identity.session(result["anonymous_id"], "app-secret").targeting_key


def test_without_the_option_the_session_is_left_untouched() -> None:
    client = TestClient(starlette_app(ours_outside=True, session=True))

    response = client.get("/session")

    assert response.json()["targeting_key"] is None
    assert response.json()["anonymous_id"] is None
    assert "set-cookie" not in response.headers


def test_a_logged_in_user_wins_over_the_anonymous_id() -> None:
    client = TestClient(starlette_app(ours_outside=True, session=True, persist_anonymous_id=True))

    assert client.get("/session", headers={"x-user": "bob"}).json()["targeting_key"] == "bob"


def test_an_identity_callable_replaces_the_lookup(telemetry: Telemetry) -> None:
    def api_key_owner(request: Any) -> ff_otel.Identity | None:
        key = request.headers.get("x-api-key")
        return None if key is None else ff_otel.Identity.user(f"key:{key}", {"tier": "partner"})

    client = TestClient(starlette_app(ours_outside=True, identity=api_key_owner))

    with_key = client.get("/flags", headers={"x-api-key": "k1", "x-user": "alice"}).json()
    without_key = client.get("/flags", headers={"x-user": "alice"}).json()

    assert with_key["targeting_key"] == "key:k1"
    assert with_key["attributes"] == {"tier": "partner"}
    assert without_key["targeting_key"] == "alice"  # None falls back to the adapter's own lookup


def test_the_context_builder_adds_attributes() -> None:
    def build(request: Any) -> dict[str, Any]:
        return {"country": request.headers.get("x-country", "unknown"), "path": request.url.path}

    app = starlette_app(ours_outside=False, context_builder=build)

    result = TestClient(app).get("/flags", headers={"x-user": "alice", "x-country": "FR"}).json()

    assert result["targeting_key"] == "alice"
    assert result["attributes"] == {"country": "FR", "path": "/flags"}


@pytest.mark.parametrize("path", ["/me", "/me-sync"], ids=["async-dependency", "sync-dependency"])
def test_a_fastapi_dependency_binds_the_user_for_the_rest_of_the_request(path: str, telemetry: Telemetry) -> None:
    client = TestClient(fastapi_app())

    result = client.get(path, headers={"authorization": "Bearer carol"}).json()
    anonymous = client.get(path).json()

    assert result["user"] == result["targeting_key"] == "carol"
    assert result["attributes"] == {"plan": "pro" if path == "/me" else "free"}
    assert anonymous["targeting_key"] is None
    context_ids = [event.get(CONTEXT_ID) for _, event in evaluation_events(telemetry.spans())]
    assert context_ids == ["carol", "carol", None, None]


def test_identify_outside_a_request_is_ignored_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    import ff_otel_asgi

    ff_otel_asgi.identify("nobody")

    assert any("outside a request" in record.getMessage() for record in caplog.records)
