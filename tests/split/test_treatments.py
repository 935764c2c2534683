"""What the Split instrumentation records for each treatment method."""

from __future__ import annotations

from typing import Any

import ff_otel
import ff_otel_split
from tests.conftest import Telemetry
from tests.split.conftest import events

CONFIG = '{"color": "red"}'


def test_a_treatment_becomes_one_span_event_with_the_treatment_as_variant(
    telemetry: Telemetry, split_client: Any
) -> None:
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        assert split_client.get_treatment("user-1", "checkout") == "on"

    assert events(telemetry) == [
        {
            "name": "feature_flag.evaluation",
            "feature_flag.key": "checkout",
            "feature_flag.result.variant": "on",
            "feature_flag.result.reason": "targeting_match",
            "feature_flag.provider.name": "Split",
            "feature_flag.context.id": "user-1",
        }
    ]


def test_the_config_is_the_value_when_values_are_captured(telemetry: Telemetry, split_client: Any) -> None:
    ff_otel.install(capture_value="always")
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        assert split_client.get_treatment_with_config("user-1", "checkout") == ("on", CONFIG)
        assert split_client.get_treatment_with_config("user-2", "checkout") == ("off", None)
        assert split_client.get_treatment("user-1", "banner") == "blue"

    assert [(e["feature_flag.result.variant"], e["feature_flag.result.value"]) for e in events(telemetry)] == [
        ("on", CONFIG),
        ("off", "off"),  # no config: the treatment is the value
        ("blue", "blue"),
    ]


def test_each_flag_of_a_batch_is_one_event(telemetry: Telemetry, split_client: Any) -> None:
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        treatments = split_client.get_treatments("user-2", ["checkout", "banner"])
        with_config = split_client.get_treatments_with_config("user-1", ["checkout"])

    assert treatments == {"checkout": "off", "banner": "blue"}
    assert with_config == {"checkout": ("on", CONFIG)}
    recorded = sorted((e["feature_flag.key"], e["feature_flag.result.variant"]) for e in events(telemetry))
    assert recorded == [("banner", "blue"), ("checkout", "off"), ("checkout", "on")]


def test_the_control_treatment_is_an_error_without_variant(telemetry: Telemetry, split_client: Any) -> None:
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        assert split_client.get_treatment("user-1", "no-such-flag") == "control"

    (event,) = events(telemetry)
    assert event["feature_flag.result.reason"] == "error"
    assert event["error.type"] == "flag_not_found"
    assert event["feature_flag.error.message"] == "Split returned the control treatment"
    assert event["feature_flag.result.value"] == "control"
    assert "feature_flag.result.variant" not in event


def test_a_destroyed_client_records_provider_fatal(telemetry: Telemetry, split_factory: Any) -> None:
    client = split_factory.client()
    split_factory.destroy()
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        assert client.get_treatment("user-1", "checkout") == "control"

    (event,) = events(telemetry)
    assert event["error.type"] == "provider_fatal"


def test_a_key_object_is_recorded_by_its_matching_key(telemetry: Telemetry, split_client: Any) -> None:
    from splitio.client.key import Key

    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        assert split_client.get_treatment(Key("user-1", "bucket-9"), "checkout") == "on"

    (event,) = events(telemetry)
    assert event["feature_flag.context.id"] == "user-1"


def test_outside_any_span_a_treatment_is_a_log_record(telemetry: Telemetry, split_client: Any) -> None:
    ff_otel_split.instrument()
    split_client.get_treatment("user-2", "checkout")

    (record,) = telemetry.logs()
    attributes = dict(record.log_record.attributes or {})
    assert record.log_record.event_name == "feature_flag.evaluation"
    assert attributes["feature_flag.key"] == "checkout"
    assert attributes["feature_flag.result.variant"] == "off"


def test_the_request_summary_counts_split_treatments(telemetry: Telemetry, split_client: Any) -> None:
    ff_otel_split.instrument()
    with (
        telemetry.tracer.start_as_current_span("request") as span,
        ff_otel.RequestScope(object(), find_identity=lambda: None, options=ff_otel.AdapterOptions(), span=span),
    ):
        split_client.get_treatments("user-1", ["checkout", "banner"])
        split_client.get_treatment("user-1", "checkout")

    (span_data,) = telemetry.spans()
    attributes = dict(span_data.attributes or {})
    assert set(attributes["ff_otel.flags"]) == {"banner=blue", "checkout=on"}  # type: ignore[arg-type]
    assert attributes["ff_otel.flags.count"] == 2
    assert attributes["ff_otel.evaluations"] == 3
