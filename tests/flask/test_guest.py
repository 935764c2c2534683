"""ff-otel is a guest in a Flask app's flag evaluation: the app's own context, hooks and options win."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import flask
import httpx
import pytest
from flask_login import LoginManager
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from werkzeug.serving import make_server

import ff_otel
from ff_otel.integration import request_in_flight
from ff_otel_flask import FeatureFlags
from tests.conftest import Telemetry
from tests.flask.apps import SECRET_KEY, create_bare_app, evaluate_flags, instrument_app

pytestmark = pytest.mark.usefixtures("flags")


def _sets_the_context() -> None:
    chosen = flask.request.headers.get("X-App-Targeting-Key")
    if chosen is not None:
        api.set_transaction_context(EvaluationContext(chosen or None, {"tenant": "acme"}))


@pytest.mark.parametrize("app_first", [True, False], ids=["hook-before-extension", "hook-after-extension"])
def test_the_applications_own_context_wins_whatever_the_hook_order(telemetry: Telemetry, app_first: bool) -> None:
    app = create_bare_app()
    if app_first:
        app.before_request(_sets_the_context)
        FeatureFlags(app)
    else:
        FeatureFlags(app)
        app.before_request(_sets_the_context)
    client = app.test_client()

    chosen = client.get("/flags", headers={"X-User": "5", "X-App-Targeting-Key": "tenant-7"}).get_json()
    filled = client.get("/flags", headers={"X-User": "5", "X-App-Targeting-Key": ""}).get_json()
    plain = client.get("/flags", headers={"X-User": "5"}).get_json()

    assert chosen == {"targeting_key": "tenant-7", "attributes": {"tenant": "acme"}}
    assert filled == {"targeting_key": "5", "attributes": {"tenant": "acme"}}
    assert plain == {"targeting_key": "5", "attributes": {}}


def test_a_hook_registered_before_the_extension_evaluates_with_the_user(telemetry: Telemetry) -> None:
    app = create_bare_app()
    seen: list[str | None] = []

    @app.before_request
    def evaluate_early() -> None:
        api.get_client().get_boolean_value("new-checkout", False)
        seen.append(api.get_transaction_context().targeting_key)

    FeatureFlags(app)
    app.test_client().get("/flags", headers={"X-User": "5"})

    assert seen == ["5"]


@pytest.mark.parametrize("instrumented", [False, True], ids=["own span", "FlaskInstrumentor"])
def test_a_teardown_hook_registered_before_the_extension_sees_the_user_and_keeps_the_apps_options(
    telemetry: Telemetry, instrumented: bool
) -> None:
    ff_otel.install(capture_value="always")  # the options outside requests
    app = create_bare_app()
    seen: list[str | None] = []

    @app.teardown_request  # registered before the extension's: Flask would run it after
    def evaluate_in_teardown(error: BaseException | None) -> None:
        api.get_client().get_integer_value("max-items", 0)
        seen.append(api.get_transaction_context().targeting_key)

    FeatureFlags(app, capture_value="never")
    if instrumented:
        instrument_app(app)
    app.test_client().get("/flags", headers={"X-User": "5"})

    assert seen == ["5"]
    (span,) = [s for s in telemetry.spans() if (s.attributes or {}).get("ff_otel.evaluations")]
    events = [e.attributes or {} for e in span.events]
    assert [(e["feature_flag.key"], e["feature_flag.context.id"]) for e in events] == [
        ("new-checkout", "5"),
        ("banner-color", "5"),
        ("max-items", "5"),
    ]
    assert not [e for e in events if "feature_flag.result.value" in e]  # the app's "never"
    assert (span.attributes or {})["ff_otel.evaluations"] == 3


def test_a_generator_streamed_without_stream_with_context_keeps_the_logged_in_user(telemetry: Telemetry) -> None:
    app = create_bare_app()

    @app.get("/plain-stream")
    def plain_stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            for _ in range(2):
                api.get_client().get_boolean_value("new-checkout", False)
                yield f"{api.get_transaction_context().targeting_key},"

        return flask.Response(chunks())  # no stream_with_context: no request context while it runs

    FeatureFlags(app)
    client = app.test_client()
    client.get("/login/7")
    body = client.get("/plain-stream").get_data(as_text=True)

    assert body == "7,7,"


def test_two_apps_in_one_process_each_keep_their_own_options(telemetry: Telemetry) -> None:
    private = create_bare_app()
    FeatureFlags(private, pseudonymize_context_id=True, capture_value="never")
    default = create_bare_app()
    FeatureFlags(default)  # set up second, with default options

    private.test_client().get("/flags", headers={"X-User": "user-1"})
    private_events = [dict(e.attributes or {}) for s in telemetry.spans() for e in s.events]
    telemetry.clear()
    default.test_client().get("/flags", headers={"X-User": "user-2"})
    default_events = [dict(e.attributes or {}) for s in telemetry.spans() for e in s.events]

    assert [e["feature_flag.context.id"] for e in private_events] == [ff_otel.pseudonymize("user-1", SECRET_KEY)] * 2
    assert all("feature_flag.result.value" not in e for e in private_events)
    assert [e["feature_flag.context.id"] for e in default_events] == ["user-2", "user-2"]


def test_the_kill_switch_leaves_the_app_as_it_was(telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_ENABLED", "false")
    app = create_bare_app()
    wsgi_app = app.wsgi_app
    FeatureFlags(app)

    reply = app.test_client().get("/flags", headers={"X-User": "5"}).get_json()

    assert app.wsgi_app == wsgi_app  # the same bound method: nothing wraps it
    assert reply["targeting_key"] is None
    assert telemetry.spans() == ()


def test_a_context_set_outside_any_block_never_reaches_the_next_request_on_the_thread(telemetry: Telemetry) -> None:
    """A real threaded server whose one worker thread serves both requests."""
    app = flask.Flask(__name__)
    app.secret_key = SECRET_KEY
    LoginManager(app)

    @app.get("/set")
    def set_context() -> dict[str, Any]:
        api.set_transaction_context(EvaluationContext("tenant-7"))
        return evaluate_flags()

    @app.get("/flags")
    def flags() -> dict[str, Any]:
        return evaluate_flags()

    # The application's own middleware, outside ff-otel's, sets a context for the first request only.
    FeatureFlags(app)
    inner = app.wsgi_app

    def outer_wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ["PATH_INFO"] == "/outer-set":
            api.set_transaction_context(EvaluationContext("outer-7"))
            environ["PATH_INFO"] = "/flags"
        return inner(environ, start_response)

    app.wsgi_app = outer_wsgi  # type: ignore[method-assign]
    server = make_server("127.0.0.1", 0, app, threaded=False)  # one thread: the server's own
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with httpx.Client() as client:
            first = client.get(f"{base}/outer-set").json()
            second = client.get(f"{base}/flags").json()
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
    assert first["targeting_key"] == "outer-7"
    assert second["targeting_key"] is None


def test_a_teardown_hook_that_raises_before_the_extensions_leaves_no_request_bound(telemetry: Telemetry) -> None:
    app = create_bare_app()

    @app.teardown_request
    def broken_teardown(error: BaseException | None) -> None:
        raise RuntimeError("teardown broke")

    FeatureFlags(app)
    with pytest.raises(RuntimeError, match="teardown broke"):
        app.test_client().get("/flags", headers={"X-User": "5"})

    assert not request_in_flight()
    assert api.get_transaction_context().targeting_key is None
    assert len(telemetry.spans()) == 1
