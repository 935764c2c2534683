from __future__ import annotations

import pytest
from openfeature import api

import ff_otel
from tests.conftest import Telemetry


@pytest.mark.usefixtures("flags")
def test_an_evaluation_in_a_span_becomes_one_event_with_the_latest_attributes(telemetry: Telemetry) -> None:
    ff_otel.install()
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
        assert client.get_boolean_value("new-checkout", False) is True

    (span,) = telemetry.spans()
    (event,) = span.events
    assert event.name == "feature_flag.evaluation"
    assert dict(event.attributes or {}) == {
        "feature_flag.key": "new-checkout",
        "feature_flag.result.variant": "on",
        "feature_flag.result.reason": "static",
        "feature_flag.provider.name": "In-Memory Provider",
        "feature_flag.context.id": "user-42",
    }
