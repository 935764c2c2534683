"""Small real Flask apps for the adapter's tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import flask
from flask_login import LoginManager, UserMixin, login_user
from openfeature import api
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from ff_otel_flask import FeatureFlags

SECRET_KEY = "test-secret-key"
BROKEN_USER = "broken"


class User(UserMixin):  # type: ignore[misc]
    def __init__(self, user_id: str) -> None:
        self.id = user_id


def evaluate_flags() -> dict[str, Any]:
    """Evaluate two flags and report the transaction context the request ran with."""
    client = api.get_client()
    client.get_boolean_value("new-checkout", False)
    client.get_string_value("banner-color", "none")
    context = api.get_transaction_context()
    return {"targeting_key": context.targeting_key, "attributes": dict(context.attributes)}


def add_routes(app: flask.Flask) -> None:
    @app.get("/flags")
    def flags() -> dict[str, Any]:
        return evaluate_flags()

    @app.get("/slow-flags")
    def slow_flags() -> dict[str, Any]:
        first = evaluate_flags()
        time.sleep(0.005)  # let requests from other threads interleave
        second = evaluate_flags()
        return {"first": first, "second": second}

    @app.get("/stream")
    def stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            for _ in range(3):
                yield str(api.get_client().get_integer_value("max-items", 0)) + ","
            yield str(api.get_transaction_context().targeting_key)

        return flask.Response(flask.stream_with_context(chunks()))

    @app.get("/boom")
    def boom() -> str:
        evaluate_flags()
        raise RuntimeError("the view failed")

    @app.get("/login/<user_id>")
    def login(user_id: str) -> str:
        login_user(User(user_id))
        return "ok"

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return evaluate_flags()


def add_login(app: flask.Flask) -> LoginManager:
    """Flask-Login with users kept in the session, or named by an `X-User` header (for API-style clients)."""
    manager = LoginManager(app)

    @manager.user_loader  # type: ignore[untyped-decorator]
    def load_user(user_id: str) -> User:
        if user_id == BROKEN_USER:
            raise RuntimeError("the user store is down")
        return User(user_id)

    @manager.request_loader  # type: ignore[untyped-decorator]
    def load_user_from_header(request: flask.Request) -> User | None:
        user_id = request.headers.get("X-User")
        return None if user_id is None else load_user(user_id)

    return manager


def create_app(*, login: bool = True, secret_key: str | None = SECRET_KEY, **options: Any) -> flask.Flask:
    """A Flask app with ff-otel set up with `options`; `flask.Flask` is looked up now, so `instrument()` applies."""
    app = flask.Flask(__name__)
    app.secret_key = secret_key
    add_routes(app)
    if login:
        add_login(app)
    FeatureFlags(app, **options)
    return app


def create_bare_app(*, login: bool = True) -> flask.Flask:
    """The same app without ff-otel, for tests that set it up themselves."""
    app = flask.Flask(__name__)
    app.secret_key = SECRET_KEY
    add_routes(app)
    if login:
        add_login(app)
    return app


def instrument_app(app: flask.Flask) -> None:
    """FlaskInstrumentor for this one app (nothing process-global to undo)."""
    FlaskInstrumentor().instrument_app(app)  # type: ignore[no-untyped-call]
