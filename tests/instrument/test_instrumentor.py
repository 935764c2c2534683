"""The instrumentor as `opentelemetry-instrument` sees it: entry point, dependencies, kill switch, options."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from importlib.metadata import entry_points

import pytest
from openfeature import api
from opentelemetry.instrumentation.dependencies import get_dist_dependency_conflicts

import ff_otel
from ff_otel_instrument import FeatureFlagInstrumentor
from tests.conftest import Telemetry

FRAMEWORKS = ("django", "flask", "werkzeug", "fastapi", "starlette")


def test_the_entry_point_loads_the_instrumentor_and_its_dependencies_are_met() -> None:
    found = [ep for ep in entry_points(group="opentelemetry_instrumentor") if ep.name == "ff_otel"]
    assert found, "no `ff_otel` entry point in the opentelemetry_instrumentor group"
    assert {ep.load() for ep in found} == {FeatureFlagInstrumentor}
    for entry_point in found:
        assert entry_point.dist is not None
        assert get_dist_dependency_conflicts(entry_point.dist) is None
    assert list(FeatureFlagInstrumentor().instrumentation_dependencies()) == ["openfeature-sdk >= 0.10"]


def test_importing_and_instrumenting_loads_no_framework() -> None:
    script = (
        "import json, sys; from ff_otel_instrument import FeatureFlagInstrumentor; "
        "FeatureFlagInstrumentor().instrument(); "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})))"
    )
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=30)
    assert json.loads(output.stdout) == []


def test_instrument_installs_the_hook_with_the_environment_options_and_keywords_win(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_SEMCONV", "legacy")
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_MAX_VALUE_LENGTH", "12")
    instrumentor.instrument(max_value_length=20)
    installation = ff_otel.current_installation()
    assert installation is not None
    assert installation.active
    assert installation.recording == "client wrapper"
    assert (installation.options.semconv, installation.options.max_value_length) == ("legacy", 20)
    instrumentor.uninstrument()
    assert ff_otel.current_installation() is None


def test_flag_evaluations_outside_requests_are_recorded_once_instrumented(
    instrumentor: FeatureFlagInstrumentor, telemetry: Telemetry, flags: None
) -> None:
    instrumentor.instrument()
    with telemetry.tracer.start_as_current_span("job"):
        api.get_client().get_boolean_value("new-checkout", False)
    (span,) = telemetry.spans()
    assert [event.name for event in span.events] == ["feature_flag.evaluation"]


def test_the_kill_switch_keeps_ff_otel_and_its_adapters_off(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flask

    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_ENABLED", "false")
    instrumentor.instrument()
    assert ff_otel.current_installation() is None
    app = flask.Flask("off")
    app.test_client().get("/")
    assert "ff_otel" not in app.extensions


def test_a_bad_environment_variable_is_logged_and_ff_otel_stays_off(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_CAPTURE_VALUE", "sometimes")
    with caplog.at_level(logging.ERROR, logger="ff_otel"):
        instrumentor.instrument()
    assert ff_otel.current_installation() is None
    with pytest.raises(ValueError) as from_code:
        ff_otel.split_options({"capture_value": "sometimes"})
    assert [r.getMessage() for r in caplog.records] == [
        f"ff_otel stays off: OTEL_PYTHON_FF_OTEL_CAPTURE_VALUE: {from_code.value}"
    ]


def test_a_bad_keyword_option_raises_like_any_option_in_code(instrumentor: FeatureFlagInstrumentor) -> None:
    with pytest.raises(TypeError, match="unknown ff_otel option 'semconvs'"):
        instrumentor.instrument(semconvs="both")
