"""Flask apps get the extension at their first request, once, with the environment's options under their config's."""

from __future__ import annotations

import flask
import pytest
from openfeature import api

from ff_otel_flask import EXTENSION_KEY, FeatureFlags
from ff_otel_instrument import FeatureFlagInstrumentor
from tests.conftest import Telemetry


def _app(name: str) -> flask.Flask:
    app = flask.Flask(name)
    app.secret_key = "flask-secret"

    @app.get("/")
    def home() -> str:
        return str(api.get_client().get_boolean_value("new-checkout", False))

    return app


def _evaluations(telemetry: Telemetry) -> list[str]:
    return [event.name for span in telemetry.spans() for event in span.events]


@pytest.mark.usefixtures("flags")
def test_an_app_created_before_or_after_instrument_records_flags_on_its_request_span(
    instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry
) -> None:
    earlier = _app("earlier")
    instrumentor.instrument()
    later = _app("later")
    for app in (earlier, later):
        telemetry.clear()
        assert app.test_client().get("/", buffered=True).text == "True"
        (span,) = telemetry.spans()
        assert [event.name for event in span.events] == ["feature_flag.evaluation"]
        assert span.attributes is not None
        assert span.attributes["ff_otel.flags"] == ("new-checkout=on",)
        assert EXTENSION_KEY in app.extensions


@pytest.mark.usefixtures("flags")
def test_an_app_set_up_by_hand_is_not_set_up_twice(instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry) -> None:
    instrumentor.instrument()
    app = _app("by-hand")
    by_hand = FeatureFlags(app)
    state = app.extensions[EXTENSION_KEY]
    app.test_client().get("/", buffered=True)
    app.test_client().get("/", buffered=True)
    assert app.extensions[EXTENSION_KEY] is state
    assert by_hand is not None
    assert _evaluations(telemetry) == ["feature_flag.evaluation"] * 2


def test_options_in_app_config_win_over_the_environment(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_MAX_SUMMARY_FLAGS", "3")
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_PERSIST_ANONYMOUS_ID", "true")
    instrumentor.instrument()
    app = _app("configured")
    app.config["FF_OTEL"] = {"max_summary_flags": 7}
    app.test_client().get("/", buffered=True)
    state = app.extensions[EXTENSION_KEY]
    assert (state.adapter_options.max_summary_flags, state.adapter_options.persist_anonymous_id) == (7, True)


def test_after_uninstrument_new_apps_are_left_alone(instrumentor: FeatureFlagInstrumentor) -> None:
    instrumentor.instrument()
    instrumentor.uninstrument()
    app = _app("plain")
    app.test_client().get("/", buffered=True)
    assert EXTENSION_KEY not in app.extensions
