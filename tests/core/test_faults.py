"""Nothing in or around ff-otel reaches the application: providers, callbacks and odd output."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType
from openfeature.provider import AbstractProvider, Metadata

import ff_otel
from tests.conftest import Telemetry


class OddProvider(AbstractProvider):
    """A provider that raises for one flag and returns strange details for the others."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="Odd Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        if flag_key == "explodes":
            raise ConnectionError("flag service unreachable")
        return FlagResolutionDetails(
            value=True,
            variant=7,  # type: ignore[arg-type]
            reason="Rule Match",
            flag_metadata=["not", "a", "mapping"],  # type: ignore[arg-type]
        )

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return FlagResolutionDetails(value="x" * 10_000, flag_metadata={"flagSetId": 12, "version": 3.5})

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        return FlagResolutionDetails(value=2**90)

    def resolve_float_details(
        self, flag_key: str, default_value: float, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[float]:
        return FlagResolutionDetails(value=float("nan"))

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: Sequence[FlagValueType] | Mapping[str, FlagValueType],
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Sequence[FlagValueType] | Mapping[str, FlagValueType]]:
        odd: Any = {"blob": b"\x00\xff", "nested": [[[{"n": None}]]]}  # not valid flag JSON on purpose
        return FlagResolutionDetails(value=odd)


def test_a_provider_that_raises_gives_the_default_and_an_error_event(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(OddProvider())
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_boolean_value("explodes", False) is False

    (span,) = telemetry.spans()
    event, exception = span.events
    attributes = dict(event.attributes or {})
    assert attributes["error.type"] == "general"
    assert attributes["feature_flag.error.message"] == "flag service unreachable"
    assert attributes["feature_flag.result.value"] is False
    assert exception.name == "exception"
    assert dict(exception.attributes or {})["exception.type"] == "ConnectionError"


def test_odd_provider_output_is_recorded_safely(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(OddProvider())
    ff_otel.install(max_value_length=64)
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        assert client.get_boolean_value("odd", False) is True
        assert client.get_string_value("long", "") == "x" * 10_000
        assert client.get_integer_value("huge", 0) == 2**90
        client.get_float_value("nan", 0.0)
        client.get_object_value("bytes", {})

    (span,) = telemetry.spans()
    boolean, string, integer, floating, obj = (dict(e.attributes or {}) for e in span.events)
    assert boolean["feature_flag.result.variant"] == "7"
    assert boolean["feature_flag.result.reason"] == "rule_match"
    assert string["feature_flag.result.value"] == "x" * 64
    assert string["feature_flag.set.id"] == "12"
    assert string["feature_flag.version"] == "3.5"
    assert integer["feature_flag.result.value"] == str(2**90)
    assert floating["feature_flag.result.value"] != floating["feature_flag.result.value"]  # NaN stays a float
    assert obj["feature_flag.result.value"] == '{"blob":"\\u0000\\\\xff","nested":[[[{"n":null}]]]}'


@pytest.mark.usefixtures("flags")
def test_a_redact_callable_that_raises_is_logged_and_the_event_kept(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    def redact(key: str, value: object) -> object:
        raise ValueError("bad redactor")

    ff_otel.install(capture_value="always", redact=redact)
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True

    (span,) = telemetry.spans()
    (event,) = span.events
    assert "feature_flag.result.value" not in (event.attributes or {})
    assert [r.name for r in caplog.records if "redact" in r.getMessage()] == ["ff_otel"]


@pytest.mark.usefixtures("flags")
def test_a_failing_exporter_never_reaches_the_application(caplog: pytest.LogCaptureFixture) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

    class BrokenExporter(SpanExporter):
        def export(self, spans: object) -> SpanExportResult:
            raise OSError("collector down")

    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(BrokenExporter()))
    ff_otel.install()
    with caplog.at_level(logging.CRITICAL), provider.get_tracer("t").start_as_current_span("request"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True
