"""Impact flags from `OTEL_PYTHON_FF_OTEL_IMPACT_FLAGS`, with no code change: the zero-code path measures them too."""

from __future__ import annotations

import flask
import pytest
from openfeature import api

from ff_otel_flask import EXTENSION_KEY
from ff_otel_instrument import FeatureFlagInstrumentor, options_from_environ
from tests.conftest import Telemetry
from tests.histograms import from_reader


def test_the_impact_options_are_read_from_their_variables() -> None:
    values = options_from_environ(
        {
            "OTEL_PYTHON_FF_OTEL_IMPACT_FLAGS": "new-checkout, banner-color,",
            "OTEL_PYTHON_FF_OTEL_MAX_IMPACT_VARIANTS": "4",
        }
    )
    assert values == {"impact_flags": ("new-checkout", "banner-color"), "max_impact_variants": 4}


@pytest.mark.parametrize("text", ["0", "many"])
def test_a_bad_variant_bound_names_its_variable(text: str) -> None:
    with pytest.raises(ValueError, match="OTEL_PYTHON_FF_OTEL_MAX_IMPACT_VARIANTS"):
        options_from_environ({"OTEL_PYTHON_FF_OTEL_MAX_IMPACT_VARIANTS": text})


@pytest.mark.usefixtures("flags")
def test_an_instrumented_app_measures_the_flags_the_environment_lists(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_IMPACT_FLAGS", "new-checkout")
    instrumentor.instrument()
    app = flask.Flask("impact-from-the-environment")

    @app.get("/zero-code")
    def home() -> str:
        return str(api.get_client().get_boolean_value("new-checkout", False))

    def requests() -> int:
        series = from_reader(telemetry.metric_reader)
        return sum(one.count for one in series if one.attributes.get("http.route") == "/zero-code")

    before = requests()
    assert app.test_client().get("/zero-code").text == "True"

    assert app.extensions[EXTENSION_KEY].adapter_options.impact_flags == frozenset({"new-checkout"})
    assert requests() == before + 1
