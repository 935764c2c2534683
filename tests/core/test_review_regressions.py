"""Upgrades and hostile set-ups that must not change who a request is for, or break it."""

from __future__ import annotations

import logging
from typing import Any

import flask
import pytest
from cachelib import SimpleCache
from flask_session import Session  # type: ignore[import-untyped]
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.transaction_context import ContextVarsTransactionContextPropagator
from opentelemetry.sdk.trace import SpanLimits, TracerProvider

import ff_otel
from ff_otel._span_attributes import set_valid_attributes
from ff_otel.integration import ANONYMOUS_ID_KEY, visitor_identity
from ff_otel_flask import FeatureFlags
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")


def test_an_anonymous_id_kept_under_the_earlier_asgi_key_is_kept_and_moved() -> None:
    session: dict[str, Any] = {"ff_otel.anonymous_id": "visitor-from-before"}

    identity = visitor_identity(None, session=session, session_key=None, secret_key="s", persist_anonymous_id=True)

    assert identity == ff_otel.Identity.session("visitor-from-before", "s")
    assert session[ANONYMOUS_ID_KEY] == "visitor-from-before"


def flags_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.get("/flags")
    def flags() -> dict[str, Any]:
        api.get_client().get_boolean_value("new-checkout", False)
        return {"targeting_key": api.get_transaction_context().targeting_key}

    return app


def test_a_flask_secret_set_after_the_extension_keys_the_session_ids() -> None:
    app = flags_app()
    app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=SimpleCache())
    Session(app)
    FeatureFlags(app)
    app.secret_key = "set-later"  # an app factory that reads its config after the extensions

    @app.get("/remember")
    def remember() -> str:
        flask.session["cart"] = ["book"]
        return "ok"

    client = app.test_client()
    client.get("/remember")
    cookie = client.get_cookie("session")
    assert cookie is not None

    key = client.get("/flags").get_json()["targeting_key"]

    assert key == ff_otel.Identity.session(cookie.value, "set-later").targeting_key


def test_the_flask_summary_goes_to_the_server_span_not_a_span_the_app_keeps_current(telemetry: Telemetry) -> None:
    app = flags_app()
    app.secret_key = "s"
    tokens: list[tuple[Any, Any]] = []

    @app.before_request
    def app_span() -> None:
        from opentelemetry import context, trace

        span = telemetry.tracer.start_span("app's own work")
        tokens.append((span, context.attach(trace.set_span_in_context(span))))

    @app.teardown_request
    def app_span_done(_: BaseException | None) -> None:
        from opentelemetry import context

        span, token = tokens.pop()
        context.detach(token)
        span.end()

    FeatureFlags(app)
    app.test_client().get("/flags")

    (server,) = [span for span in telemetry.spans() if span.kind.name == "SERVER"]
    assert (server.attributes or {}).get("ff_otel.evaluations") == 1


class FailingPropagator(ContextVarsTransactionContextPropagator):
    """An application's own propagator that fails when it is written to."""

    def set_transaction_context(self, transaction_context: EvaluationContext) -> None:
        raise RuntimeError("the app's context store is down")


def test_an_applications_propagator_that_raises_leaves_the_request_going(caplog: pytest.LogCaptureFixture) -> None:
    from openfeature.transaction_context import set_transaction_context_propagator

    set_transaction_context_propagator(FailingPropagator())
    app = flags_app()
    app.secret_key = "s"
    FeatureFlags(app)

    with caplog.at_level(logging.WARNING, logger="ff_otel"):
        response = app.test_client().get("/flags")

    assert response.status_code == 200
    assert "application's propagator" in caplog.text


def test_a_span_that_keeps_no_attributes_takes_the_summary_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    span = TracerProvider(span_limits=SpanLimits(max_span_attributes=0)).get_tracer("t").start_span("request")

    with caplog.at_level(logging.WARNING):
        set_valid_attributes(span, {"ff_otel.evaluations": 1})

    assert "ff_otel" not in caplog.text
    span.end()


def test_every_block_a_request_opens_is_closed_streamed_or_not(telemetry: Telemetry) -> None:
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    from ff_otel import _context

    app = flags_app()
    app.secret_key = "s"

    @app.get("/stream")
    def stream() -> flask.Response:
        def chunks() -> Any:
            yield str(api.get_client().get_boolean_value("new-checkout", False))

        return flask.Response(flask.stream_with_context(chunks()))

    FeatureFlags(app)
    FlaskInstrumentor().instrument_app(app)  # type: ignore[no-untyped-call]
    client = app.test_client()
    for path in ("/flags", "/stream") * 3:
        assert client.get(path, buffered=True).status_code == 200

    assert _context._LIVE.open == []
