"""Setting the extension up: options from kwargs and config, app factories, several apps."""

from __future__ import annotations

import gc
import threading
import weakref

import flask
import pytest
from openfeature import api

from ff_otel_flask import EXTENSION_KEY, FeatureFlags, FeatureFlagsState
from tests.conftest import Telemetry
from tests.flask.apps import SECRET_KEY, create_bare_app, evaluate_flags

pytestmark = pytest.mark.usefixtures("flags")


def event_names(telemetry: Telemetry) -> set[str]:
    return {event.name for span in telemetry.spans() for event in span.events}


def test_options_come_from_the_config_and_keyword_arguments_win(telemetry: Telemetry) -> None:
    app = create_bare_app()
    app.config["FF_OTEL"] = {"semconv": "legacy", "max_summary_flags": 1}
    FeatureFlags(app, semconv="both")

    app.test_client().get("/flags", buffered=True)

    state = app.extensions[EXTENSION_KEY]
    assert isinstance(state, FeatureFlagsState)
    assert state.options.semconv == "both"
    assert state.adapter_options.max_summary_flags == 1
    assert state.options.secret_key == SECRET_KEY  # the app's secret key by default
    assert event_names(telemetry) == {"feature_flag.evaluation"}
    (span,) = telemetry.spans()
    assert tuple((span.attributes or {})["ff_otel.flags"]) == ("new-checkout=on",)  # type: ignore[arg-type]


def test_an_unknown_option_is_rejected_by_name() -> None:
    app = create_bare_app()
    app.config["FF_OTEL"] = {"semconf": "both"}

    with pytest.raises(TypeError, match="'semconf'"):
        FeatureFlags(app)


def test_a_config_value_that_is_not_a_dict_is_rejected() -> None:
    app = create_bare_app()
    app.config["FF_OTEL"] = "both"

    with pytest.raises(TypeError, match="FF_OTEL"):
        FeatureFlags(app)


def test_one_extension_serves_several_apps_made_by_a_factory_each_with_its_own_options(telemetry: Telemetry) -> None:
    feature_flags = FeatureFlags()

    def create(excluded: str) -> flask.Flask:
        app = create_bare_app()
        app.config["FF_OTEL"] = {"excluded_urls": excluded}
        feature_flags.init_app(app)
        return app

    first, second = create("flags"), create("healthz")

    assert first.test_client().get("/flags", headers={"X-User": "1"}, buffered=True).get_json()["targeting_key"] is None
    assert second.test_client().get("/flags", headers={"X-User": "2"}, buffered=True).get_json()["targeting_key"] == "2"
    assert first.extensions[EXTENSION_KEY] is not second.extensions[EXTENSION_KEY]


def test_an_app_dropped_after_serving_goes_with_its_extension(telemetry: Telemetry) -> None:
    # An app factory per test is the usual Flask test suite: each app must be collectable once dropped.
    gc.collect()
    receivers = len(flask.request_started.receivers)
    app = create_bare_app()
    FeatureFlags(app)
    assert app.test_client().get("/flags", headers={"X-User": "1"}, buffered=True).get_json()["targeting_key"] == "1"
    dropped = weakref.ref(app)
    del app
    gc.collect()

    assert dropped() is None
    assert len(flask.request_started.receivers) == receivers
    assert event_names(telemetry) == {"feature_flag.evaluation"}


def test_setting_up_the_same_app_twice_is_an_error() -> None:
    app = create_bare_app()
    FeatureFlags(app)

    with pytest.raises(RuntimeError, match="already set up"):
        FeatureFlags(app)


def test_a_copied_request_context_in_a_thread_does_not_end_the_requests_scope(telemetry: Telemetry) -> None:
    app = create_bare_app()
    FeatureFlags(app)
    seen: dict[str, object] = {}

    @app.get("/background")
    def background() -> dict[str, object]:
        @flask.copy_current_request_context
        def work() -> None:
            seen["in_thread"] = flask.request.headers["X-User"]

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        return evaluate_flags()  # after the copied context was torn down in the thread

    body = app.test_client().get("/background", headers={"X-User": "5"}, buffered=True).get_json()

    assert seen == {"in_thread": "5"}
    assert body["targeting_key"] == "5"
    (span,) = telemetry.spans()
    assert (span.attributes or {})["ff_otel.evaluations"] == 2
    assert api.get_transaction_context().targeting_key is None


@pytest.mark.parametrize("path", ["/flags", "/healthz"])
def test_a_requests_context_is_freed_without_the_cyclic_collector(telemetry: Telemetry, path: str) -> None:
    # Only reference counting runs here (as between collections, or with the collector off): what ff-otel keeps in
    # the WSGI environ must not tie the request context into Flask's own request-environ cycle.
    app = create_bare_app()
    FeatureFlags(app)
    client = app.test_client()
    client.get(path, headers={"X-User": "1"}, buffered=True)  # first use, outside the count
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            client.get(path, headers={"X-User": "1"}, buffered=True)
        alive = sum(type(candidate) is flask.ctx.RequestContext for candidate in gc.get_objects())
    finally:
        gc.enable()

    assert alive <= 1
