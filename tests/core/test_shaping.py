"""`attribute_mapper`, `exclude_attributes` and `event_mutator`: the user's say over what an evaluation records."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import ff_otel
from tests._support.reports import forget_warned_problems
from tests.conftest import Telemetry

OWN = {
    "feature_flag.key": "new-checkout",
    "feature_flag.result.variant": "on",
    "feature_flag.result.reason": "static",
    "feature_flag.provider.name": "In-Memory Provider",
    "feature_flag.context.id": "user-42",
    "feature_flag.set.id": "checkout",
}


@pytest.fixture(autouse=True)
def _flag_with_metadata() -> Iterator[None]:
    flag = InMemoryFlag("on", {"on": True, "off": False}, flag_metadata={"flagSetId": "checkout", "team": "payments"})
    api.set_provider_and_wait(InMemoryProvider({"new-checkout": flag}))
    forget_warned_problems()
    yield
    forget_warned_problems()


def _recorded(telemetry: Telemetry, **options: Any) -> dict[str, Any]:
    ff_otel.install(**options)
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True
    (span,) = telemetry.spans()
    (event,) = span.events
    return dict(event.attributes or {})


def test_the_attribute_mapper_adds_attributes_from_the_flag_metadata(telemetry: Telemetry) -> None:
    seen: list[Mapping[str, Any]] = []

    def mapper(metadata: Mapping[str, Any]) -> dict[str, Any]:
        seen.append(metadata)
        return {"app.flag.team": metadata["team"], "feature_flag.result.variant": "replaced?"}

    attributes = _recorded(telemetry, attribute_mapper=mapper)

    assert seen == [{"flagSetId": "checkout", "team": "payments"}]
    assert attributes == {**OWN, "app.flag.team": "payments"}  # it adds; the evaluation's own attributes stay


def test_excluded_attributes_are_never_recorded_not_even_in_metrics(telemetry: Telemetry) -> None:
    reader = InMemoryMetricReader()
    excluded = {"feature_flag.context.id", "feature_flag.result.variant"}
    attributes = _recorded(
        telemetry, exclude_attributes=excluded, meter_provider=MeterProvider(metric_readers=[reader])
    )

    assert attributes == {k: v for k, v in OWN.items() if k not in excluded}
    data = reader.get_metrics_data()
    assert data is not None
    points = [p for r in data.resource_metrics for s in r.scope_metrics for m in s.metrics for p in m.data.data_points]
    assert points
    assert all(excluded.isdisjoint(point.attributes or {}) for point in points)


def test_the_event_mutator_has_the_last_word_but_cannot_bring_back_an_excluded_name(telemetry: Telemetry) -> None:
    def mutator(attributes: dict[str, Any]) -> dict[str, Any]:
        attributes.pop("feature_flag.set.id")
        return {**attributes, "feature_flag.result.reason": "custom", "feature_flag.context.id": "back again"}

    attributes = _recorded(telemetry, exclude_attributes=["feature_flag.context.id"], event_mutator=mutator)

    expected = {k: v for k, v in OWN.items() if k not in ("feature_flag.set.id", "feature_flag.context.id")}
    assert attributes == {**expected, "feature_flag.result.reason": "custom"}


def test_the_callbacks_shape_log_records_and_evaluation_spans_alike(telemetry: Telemetry) -> None:
    ff_otel.install(
        events="log",
        evaluation_spans=True,
        attribute_mapper=lambda metadata: {"app.flag.team": metadata["team"]},
        event_mutator=lambda attributes: {**attributes, "app.mutated": True},
    )
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    evaluation, _ = telemetry.spans()
    (record,) = telemetry.logs()
    assert dict(record.log_record.attributes or {}) == dict(evaluation.attributes or {})
    assert evaluation.attributes is not None
    assert evaluation.attributes["app.flag.team"] == "payments"
    assert evaluation.attributes["app.mutated"] is True


def _explodes(_: object) -> dict[str, Any]:
    raise RuntimeError("callback bug")


GARBAGE: dict[str, Any] = {
    "raises": _explodes,
    "not a mapping": lambda _: ["app.flag.team", "payments"],
    "a nested value": lambda _: {"app.flag.owner": {"team": "payments"}},
    "a mixed list": lambda _: {"app.flag.tags": ["a", 1]},
    "a key that is not a string": lambda _: {7: "seven"},
    "an integer OTLP cannot carry": lambda _: {"app.flag.big": 2**70},
}


@pytest.mark.parametrize("garbage", list(GARBAGE))
@pytest.mark.parametrize("option", ["attribute_mapper", "event_mutator"])
def test_a_callback_that_raises_or_returns_garbage_is_logged_once_and_ignored(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture, option: str, garbage: str
) -> None:
    with caplog.at_level(logging.DEBUG, logger="ff_otel"):
        attributes = _recorded(telemetry, **{option: GARBAGE[garbage]})

    assert attributes == OWN  # recorded as if there were no callback
    warnings = [r for r in caplog.records if r.name == "ff_otel" and r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert option in warnings[0].getMessage()
    assert "new-checkout" in warnings[0].getMessage()


def test_a_mutator_that_drops_the_flag_key_or_returns_none_is_ignored(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    ff_otel.install(event_mutator=lambda attributes: None if "none" in str(attributes) else {"app.only": "this"})  # type: ignore[arg-type,return-value]
    client = api.get_client()
    with caplog.at_level(logging.WARNING, logger="ff_otel"), telemetry.tracer.start_as_current_span("request"):
        client.get_boolean_value("new-checkout", False)
        with ff_otel.evaluation_context("none"):
            client.get_boolean_value("new-checkout", False)

    (span,) = telemetry.spans()
    keys = [dict(event.attributes or {}).get("feature_flag.key") for event in span.events]
    assert keys == ["new-checkout", "new-checkout"]
    messages = [r.getMessage() for r in caplog.records if r.name == "ff_otel"]
    assert any("dropped 'feature_flag.key'" in message for message in messages)
    assert any("returned NoneType, not a mapping" in message for message in messages)


def test_a_mapper_returning_none_adds_nothing_and_logs_nothing(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="ff_otel"):
        attributes = _recorded(telemetry, attribute_mapper=lambda metadata: None)

    assert attributes == OWN
    assert [r for r in caplog.records if r.name == "ff_otel"] == []


def test_string_values_from_a_callback_are_bounded_like_the_rest(telemetry: Telemetry) -> None:
    attributes = _recorded(
        telemetry, max_value_length=8, attribute_mapper=lambda _: {"app.note": "n" * 1000, "app.tags": ["t" * 50]}
    )

    assert attributes["app.note"] == "n" * 8
    assert attributes["app.tags"] == ("t" * 8,)
