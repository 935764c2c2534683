"""Who each request is for: a Flask-Login user, a session visitor, or an anonymous one."""

from __future__ import annotations

from typing import Any

import pytest
from cachelib import SimpleCache
from flask_session import Session  # type: ignore[import-untyped]

import ff_otel
from ff_otel.integration import ANONYMOUS_ID_KEY
from ff_otel_flask import FeatureFlags
from tests.conftest import Telemetry
from tests.flask.apps import SECRET_KEY, User, create_app, create_bare_app

pytestmark = pytest.mark.usefixtures("flags")

CONTEXT_ID = "feature_flag.context.id"


def context_ids(telemetry: Telemetry) -> list[Any]:
    """The context id of every evaluation event, across all exported spans."""
    return [(event.attributes or {}).get(CONTEXT_ID) for span in telemetry.spans() for event in span.events]


def test_a_flask_login_user_is_the_targeting_key_and_the_context_id(telemetry: Telemetry) -> None:
    client = create_app().test_client()
    client.get("/login/42", buffered=True)

    body = client.get("/flags", buffered=True).get_json()

    assert body["targeting_key"] == "42"
    assert context_ids(telemetry) == ["42", "42"]


@pytest.mark.parametrize(("user_id", "expected"), [(b"42", "42"), (object(), None)], ids=["bytes", "no text"])
def test_a_flask_login_id_that_is_not_a_string_is_read_as_text_or_logged_and_left_out(
    telemetry: Telemetry,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    user_id: object,
    expected: str | None,
) -> None:
    monkeypatch.setattr(User, "get_id", lambda self: user_id)

    body = create_app().test_client().get("/flags", headers={"X-User": "7"}, buffered=True).get_json()

    assert body["targeting_key"] == expected
    assert ("no text of its own" in caplog.text) is (expected is None)


def test_a_user_named_by_a_flask_login_request_loader_is_found_too(telemetry: Telemetry) -> None:
    body = create_app().test_client().get("/flags", headers={"X-User": "7"}, buffered=True).get_json()

    assert body["targeting_key"] == "7"
    assert context_ids(telemetry) == ["7", "7"]


def test_a_cookie_session_visitor_gets_a_stable_pseudonymous_id_when_the_option_is_on(telemetry: Telemetry) -> None:
    client = create_app(persist_anonymous_id=True).test_client()

    first = client.get("/flags", buffered=True).get_json()["targeting_key"]
    second = client.get("/flags", buffered=True).get_json()["targeting_key"]
    with client.session_transaction() as session:
        anonymous_id = session[ANONYMOUS_ID_KEY]

    assert first == second == ff_otel.Identity.session(anonymous_id, SECRET_KEY).targeting_key
    assert anonymous_id not in first
    assert context_ids(telemetry) == [first] * 4
    other_visitor = (
        create_app(persist_anonymous_id=True).test_client().get("/flags", buffered=True).get_json()["targeting_key"]
    )
    assert other_visitor not in (None, first)


def test_a_cookie_session_visitor_stays_anonymous_and_gets_no_cookie_when_the_option_is_off(
    telemetry: Telemetry,
) -> None:
    response = create_app().test_client().get("/flags", buffered=True)

    assert response.get_json()["targeting_key"] is None
    assert "Set-Cookie" not in response.headers
    assert context_ids(telemetry) == [None, None]


def test_an_anonymous_visitors_flask_cookie_session_is_left_unread_so_the_response_does_not_vary_on_it(
    telemetry: Telemetry,
) -> None:
    # Flask's own cookie session has no id to know a visitor by: reading it would only make Flask add `Vary: Cookie`.
    response = create_app(login=False).test_client().get("/flags", buffered=True)

    assert response.get_json()["targeting_key"] is None
    assert "Vary" not in response.headers
    assert context_ids(telemetry) == [None, None]
    # Keeping an anonymous id in it does read (and write) it, as Flask then must tell caches.
    kept = create_app(login=False, persist_anonymous_id=True).test_client().get("/flags", buffered=True)
    assert "Cookie" in kept.headers.get("Vary", "")


def test_a_server_side_session_is_known_by_a_keyed_hash_of_its_id(telemetry: Telemetry) -> None:
    app = create_bare_app(login=False)
    app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=SimpleCache())
    Session(app)
    FeatureFlags(app)

    @app.get("/remember")
    def remember() -> str:
        from flask import session

        session["cart"] = ["book"]
        return "ok"

    client = app.test_client()
    client.get("/remember", buffered=True)
    session_id = client.get_cookie("session")
    assert session_id is not None
    body = client.get("/flags", buffered=True).get_json()

    expected = ff_otel.Identity.session(session_id.value, SECRET_KEY).targeting_key
    assert body["targeting_key"] == expected
    assert context_ids(telemetry) == [expected, expected]
    assert all(session_id.value not in str(span.to_json()) for span in telemetry.spans())


def test_an_empty_server_side_session_is_anonymous(telemetry: Telemetry) -> None:
    app = create_bare_app(login=False)
    app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=SimpleCache())
    Session(app)
    FeatureFlags(app)

    assert app.test_client().get("/flags", buffered=True).get_json()["targeting_key"] is None
    assert context_ids(telemetry) == [None, None]


def test_without_a_secret_key_a_session_visitor_stays_anonymous(telemetry: Telemetry) -> None:
    client = create_app(secret_key=None, persist_anonymous_id=True).test_client()

    response = client.get("/flags", buffered=True)

    assert response.status_code == 200
    assert response.get_json()["targeting_key"] is None
    assert context_ids(telemetry) == [None, None]


def test_an_anonymous_visitor_has_no_targeting_key_and_no_context_id(telemetry: Telemetry) -> None:
    body = create_app(login=False).test_client().get("/flags", buffered=True).get_json()

    assert body == {"targeting_key": None, "attributes": {}}
    assert context_ids(telemetry) == [None, None]


def test_an_identity_callable_replaces_the_lookup_and_a_context_builder_adds_attributes(telemetry: Telemetry) -> None:
    app = create_app(
        identity=lambda request: request.headers.get("X-Api-Key-Owner"),
        context_builder=lambda request: {"plan": request.args.get("plan", "free")},
    )
    client = app.test_client()
    client.get("/login/42", buffered=True)  # the Flask-Login user is not consulted: the callable found someone

    body = client.get("/flags?plan=pro", headers={"X-Api-Key-Owner": "team-9"}, buffered=True).get_json()

    assert body == {"targeting_key": "team-9", "attributes": {"plan": "pro"}}
    assert context_ids(telemetry) == ["team-9", "team-9"]


def test_context_ids_are_pseudonymized_with_the_apps_secret_key_when_asked(telemetry: Telemetry) -> None:
    client = create_app(pseudonymize_context_id=True).test_client()

    body = client.get("/flags", headers={"X-User": "42"}, buffered=True).get_json()

    assert body["targeting_key"] == "42"
    assert context_ids(telemetry) == [ff_otel.pseudonymize("42", SECRET_KEY)] * 2
