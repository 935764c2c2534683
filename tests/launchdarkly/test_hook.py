"""What the LaunchDarkly hook records for each kind of evaluation result."""

from __future__ import annotations

import pytest
from ldclient import Config, Context, LDClient
from ldclient.integrations.test_data import TestData

import ff_otel
import ff_otel_launchdarkly
from tests.conftest import Telemetry
from tests.launchdarkly.conftest import close, events, make_client


def test_a_fallthrough_evaluation_becomes_one_span_event(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        detail = ld_client.variation_detail("new-checkout", Context.create("user-1"), False)

    assert detail.value is True
    assert events(telemetry) == [
        {
            "name": "feature_flag.evaluation",
            "feature_flag.key": "new-checkout",
            "feature_flag.result.variant": "1",
            "feature_flag.result.reason": "fallthrough",
            "feature_flag.provider.name": "LaunchDarkly",
            "feature_flag.context.id": "user-1",
        }
    ]
    assert telemetry.logs() == ()


@pytest.mark.parametrize(
    ("flag", "context", "expected_variant", "expected_reason"),
    [
        ("banner-color", Context.create("vip"), "1", "targeting_match"),
        ("max-items", Context.builder("user-2").set("plan", "pro").build(), "1", "rule_match"),
        ("beta-banner", Context.create("user-3"), "0", "disabled"),
    ],
)
def test_variation_index_and_reason_map_onto_variant_and_reason(
    telemetry: Telemetry, ld_client: LDClient, flag: str, context: Context, expected_variant: str, expected_reason: str
) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        detail = ld_client.variation_detail(flag, context, None)

    (event,) = events(telemetry)
    assert event["feature_flag.result.variant"] == expected_variant == str(detail.variation_index)
    assert event["feature_flag.result.reason"] == expected_reason
    assert "error.type" not in event
    assert "feature_flag.result.value" not in event  # a variant is there: `auto` leaves the value out


def test_a_missing_flag_records_the_error_type_and_the_default_value(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        assert ld_client.variation("no-such-flag", Context.create("user-1"), "grey") == "grey"

    (event,) = events(telemetry)
    assert event["feature_flag.result.reason"] == "error"
    assert event["error.type"] == "flag_not_found"
    assert event["feature_flag.result.value"] == "grey"
    assert "feature_flag.result.variant" not in event


def test_an_empty_context_key_is_targeting_key_missing(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        ld_client.variation("new-checkout", Context.create(""), False)

    (event,) = events(telemetry)
    assert event["error.type"] == "targeting_key_missing"
    assert "feature_flag.context.id" not in event


def test_an_offline_client_records_provider_not_ready_for_every_flag(telemetry: Telemetry) -> None:
    client = LDClient(Config("test-sdk-key", offline=True))
    try:
        ff_otel_launchdarkly.instrument(client)
        with telemetry.tracer.start_as_current_span("request"):
            assert client.variation("new-checkout", Context.create("user-1"), False) is False
            assert client.variation("banner-color", Context.create("user-1"), "grey") == "grey"
    finally:
        close(client)

    recorded = events(telemetry)
    assert [(e["feature_flag.key"], e["error.type"], e["feature_flag.result.value"]) for e in recorded] == [
        ("new-checkout", "provider_not_ready", False),
        ("banner-color", "provider_not_ready", "grey"),
    ]


def test_outside_any_span_an_evaluation_is_a_log_record(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    ld_client.variation("new-checkout", Context.create("worker-7"), False)

    (record,) = telemetry.logs()
    assert record.log_record.event_name == "feature_flag.evaluation"
    attributes = dict(record.log_record.attributes or {})
    assert attributes["feature_flag.key"] == "new-checkout"
    assert attributes["feature_flag.result.variant"] == "1"
    assert attributes["feature_flag.context.id"] == "worker-7"
    assert telemetry.spans() == ()


def test_a_multi_context_is_recorded_under_its_user(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    context = Context.create_multi(Context.create("acme", "organization"), Context.create("user-9"))
    with telemetry.tracer.start_as_current_span("request"):
        ld_client.variation("new-checkout", context, False)

    (event,) = events(telemetry)
    assert event["feature_flag.context.id"] == "user-9"


def test_the_request_context_id_and_summary_apply(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    with (
        telemetry.tracer.start_as_current_span("request") as span,
        ff_otel.RequestScope(object(), find_identity=lambda: None, options=ff_otel.AdapterOptions(), span=span),
        ff_otel.evaluation_context("user-1", context_id="pseudonym-1"),
    ):
        ld_client.variation("new-checkout", Context.create("user-1"), False)
        ld_client.variation("banner-color", Context.create("user-1"), "grey")
        ld_client.variation("new-checkout", Context.create("user-1"), False)

    (span_data,) = telemetry.spans()
    assert [e.attributes and e.attributes["feature_flag.context.id"] for e in span_data.events] == ["pseudonym-1"] * 3
    attributes = dict(span_data.attributes or {})
    assert attributes["ff_otel.flags"] == ("new-checkout=1", "banner-color=0")
    assert attributes["ff_otel.flags.count"] == 2
    assert attributes["ff_otel.evaluations"] == 3


def test_the_core_options_apply(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel.install(semconv="legacy", capture_value="always", value_denylist={"banner-color"})
    ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        ld_client.variation("max-items", Context.create("user-1"), 0)
        ld_client.variation("banner-color", Context.create("user-1"), "grey")

    assert events(telemetry) == [
        {
            "name": "feature_flag",
            "feature_flag.key": "max-items",
            "feature_flag.provider_name": "LaunchDarkly",
            "feature_flag.variant": "0",
        },
        {
            "name": "feature_flag",
            "feature_flag.key": "banner-color",
            "feature_flag.provider_name": "LaunchDarkly",
            "feature_flag.variant": "0",
        },
    ]
    assert ff_otel.current_installation() is not None
    assert ff_otel.current_installation().options.semconv == "legacy"  # type: ignore[union-attr]


def test_evaluations_are_counted_in_the_metrics(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    before = _requests_for(telemetry, "no-such-flag")
    ld_client.variation("no-such-flag", Context.create("user-1"), False)
    ld_client.variation("no-such-flag", Context.create("user-1"), False)

    assert _requests_for(telemetry, "no-such-flag") - before == 2


def _requests_for(telemetry: Telemetry, flag: str) -> int:
    data = telemetry.metric_reader.get_metrics_data()
    total = 0
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name != "feature_flag.evaluation_requests_total":
                    continue
                for point in metric.data.data_points:
                    attributes = dict(point.attributes or {})
                    # Sums are cumulative over the session: count only this flag as LaunchDarkly failed it.
                    if attributes == {
                        "feature_flag.key": flag,
                        "feature_flag.result.reason": "error",
                        "feature_flag.provider.name": "LaunchDarkly",
                        "error.type": "flag_not_found",
                    }:
                        total += int(point.value)  # type: ignore[union-attr]
    return total


def test_a_hook_given_in_the_config_records_too(telemetry: Telemetry, source: TestData) -> None:
    ff_otel.install()
    client = make_client(source, hooks=[ff_otel_launchdarkly.LaunchDarklyHook(provider_name="LD")])
    try:
        with telemetry.tracer.start_as_current_span("request"):
            client.variation("new-checkout", Context.create("user-1"), False)
    finally:
        close(client)

    (event,) = events(telemetry)
    assert event["feature_flag.provider.name"] == "LD"


def test_nothing_is_recorded_before_ff_otel_is_installed(telemetry: Telemetry, source: TestData) -> None:
    client = make_client(source, hooks=[ff_otel_launchdarkly.LaunchDarklyHook()])
    try:
        with telemetry.tracer.start_as_current_span("request"):
            assert client.variation("new-checkout", Context.create("user-1"), False) is True
    finally:
        close(client)

    (span,) = telemetry.spans()
    assert span.events == ()
