"""What one evaluation inside a span records, in each semconv mode."""

from __future__ import annotations

import gc

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext

import ff_otel
from ff_otel._install import recorder_for
from tests.conftest import Telemetry


def _events(telemetry: Telemetry) -> list[dict[str, object]]:
    (span,) = telemetry.spans()
    return [{"name": e.name, **dict(e.attributes or {})} for e in span.events]


@pytest.mark.usefixtures("flags")
def test_an_evaluation_in_a_span_becomes_one_event_with_the_latest_attributes(telemetry: Telemetry) -> None:
    ff_otel.install()
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
        assert client.get_boolean_value("new-checkout", False) is True

    assert _events(telemetry) == [
        {
            "name": "feature_flag.evaluation",
            "feature_flag.key": "new-checkout",
            "feature_flag.result.variant": "on",
            "feature_flag.result.reason": "static",
            "feature_flag.provider.name": "In-Memory Provider",
            "feature_flag.context.id": "user-42",
        }
    ]
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_a_missing_flag_records_error_type_and_message_and_the_default_value(telemetry: Telemetry) -> None:
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_integer_value("no-such-flag", 3) == 3

    (event,) = _events(telemetry)
    assert event["feature_flag.key"] == "no-such-flag"
    assert event["feature_flag.result.reason"] == "error"
    assert event["error.type"] == "flag_not_found"
    assert event["feature_flag.error.message"] == "Flag 'no-such-flag' not found"
    assert event["feature_flag.result.value"] == 3  # no variant: the value is conditionally required
    assert "feature_flag.result.variant" not in event
    assert "error.message" not in event  # only `both` carries Appendix D's name


@pytest.mark.usefixtures("flags")
def test_legacy_mode_uses_the_older_names(telemetry: Telemetry) -> None:
    ff_otel.install(semconv="legacy")
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        client.get_string_value("banner-color", "grey")
        client.get_string_value("no-such-flag", "grey")

    assert _events(telemetry) == [
        {
            "name": "feature_flag",
            "feature_flag.key": "banner-color",
            "feature_flag.provider_name": "In-Memory Provider",
            "feature_flag.variant": "red",
        },
        {
            "name": "feature_flag",
            "feature_flag.key": "no-such-flag",
            "feature_flag.provider_name": "In-Memory Provider",
            "feature_flag.variant": "grey",  # the stringified value stands in for a missing variant
        },
    ]


@pytest.mark.usefixtures("flags")
def test_both_mode_carries_the_union_and_appendix_d_error_message(telemetry: Telemetry) -> None:
    ff_otel.install(semconv="both")
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("u1"):
        client.get_string_value("banner-color", "grey")
        client.get_boolean_value("no-such-flag", False)

    ok, failed = _events(telemetry)
    assert ok["name"] == failed["name"] == "feature_flag.evaluation"
    assert ok["feature_flag.result.variant"] == ok["feature_flag.variant"] == "red"
    assert ok["feature_flag.provider.name"] == ok["feature_flag.provider_name"] == "In-Memory Provider"
    assert failed["error.message"] == failed["feature_flag.error.message"] == "Flag 'no-such-flag' not found"
    assert failed["error.type"] == "flag_not_found"


@pytest.mark.usefixtures("flags")
def test_context_id_follows_the_evaluations_own_targeting_key(telemetry: Telemetry) -> None:
    ff_otel.install()
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        client.get_boolean_value("new-checkout", False)  # nobody: no context id
        with ff_otel.evaluation_context("user-1", context_id="account-9"):
            client.get_boolean_value("new-checkout", False)  # the bound context id
            client.get_boolean_value("new-checkout", False, EvaluationContext("user-2"))  # its own subject

    ids = [event.get("feature_flag.context.id") for event in _events(telemetry)]
    assert ids == [None, "account-9", "user-2"]


@pytest.mark.usefixtures("flags")
def test_pseudonymized_context_ids_never_carry_the_targeting_key(telemetry: Telemetry) -> None:
    ff_otel.install(pseudonymize_context_id=True, secret_key="s3cret")
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
        api.get_client().get_boolean_value("new-checkout", False)

    (event,) = _events(telemetry)
    assert event["feature_flag.context.id"] == ff_otel.pseudonymize("user-42", "s3cret")
    assert "user-42" not in str(event)


@pytest.mark.usefixtures("flags")
def test_an_unsampled_span_records_nothing_not_even_a_log_record(telemetry: Telemetry) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    ff_otel.install()
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("unsampled")
    with unsampled.start_as_current_span("request") as span:
        assert not span.is_recording()
        api.get_client().get_boolean_value("new-checkout", False)

    assert telemetry.spans() == ()
    assert telemetry.logs() == ()


@pytest.mark.usefixtures("flags")
def test_a_hot_loop_keeps_the_first_events_and_counts_the_rest(telemetry: Telemetry) -> None:
    ff_otel.install(max_events_per_span=5)
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        client.get_string_value("banner-color", "grey")
        for _ in range(10_000):
            client.get_boolean_value("new-checkout", False)

    (span,) = telemetry.spans()
    keys = [dict(e.attributes or {})["feature_flag.key"] for e in span.events]
    assert keys == ["banner-color"] + ["new-checkout"] * 4
    assert (span.attributes or {})["ff_otel.evaluations.dropped"] == 10_001 - 5


@pytest.mark.usefixtures("flags")
def test_each_span_has_its_own_event_budget(telemetry: Telemetry) -> None:
    ff_otel.install(max_events_per_span=2)
    client = api.get_client()
    for name in ("first", "second"):
        with telemetry.tracer.start_as_current_span(name):
            for _ in range(3):
                client.get_boolean_value("new-checkout", False)

    assert [len(span.events) for span in telemetry.spans()] == [2, 2]


@pytest.mark.usefixtures("flags")
def test_a_spans_event_budget_is_forgotten_with_the_span(telemetry: Telemetry) -> None:
    installation = ff_otel.install(max_events_per_span=2)
    recorder = recorder_for(installation.options)
    client = api.get_client()
    for _ in range(50):
        with telemetry.tracer.start_as_current_span("request"):
            client.get_boolean_value("new-checkout", False)
            client.get_string_value("banner-color", "grey")
            assert len(recorder._span_events) == len(recorder._span_watchers) == 1
    gc.collect()  # the SDK exports a copy: the span itself is gone once it has ended

    assert recorder._span_events == {}
    assert recorder._span_watchers == {}
    assert [len(span.events) for span in telemetry.spans()] == [2] * 50
