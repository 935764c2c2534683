"""`evaluation_spans=True`: each evaluation is a span of its own, covering the provider's resolution."""

from __future__ import annotations

import asyncio
import time

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider import Metadata
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind, StatusCode

import ff_otel
from tests.conftest import Telemetry


class ClockedProvider(InMemoryProvider):
    """The in-memory provider, noting when it resolves a flag (the moment the evaluation span must cover)."""

    def __init__(self) -> None:
        super().__init__({"new-checkout": InMemoryFlag("on", {"on": True, "off": False})})
        self.resolved_at: list[int] = []

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        self.resolved_at.append(time.time_ns())
        return super().resolve_boolean_details(flag_key, default_value, evaluation_context)


class FailingProvider(InMemoryProvider):
    """A remote provider whose service is down."""

    def __init__(self) -> None:
        super().__init__({})

    def get_metadata(self) -> Metadata:
        return Metadata(name="Failing Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        raise ConnectionError("flag service unreachable")


def test_each_evaluation_is_an_internal_child_span_covering_the_resolution(telemetry: Telemetry) -> None:
    provider = ClockedProvider()
    api.set_provider_and_wait(provider)
    ff_otel.install(evaluation_spans=True)
    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True

    evaluation, request = telemetry.spans()
    assert evaluation.name == "feature_flag.evaluation"
    assert evaluation.kind is SpanKind.INTERNAL
    assert evaluation.parent is not None
    assert request.context is not None
    assert evaluation.context is not None
    assert evaluation.parent.span_id == request.context.span_id
    assert evaluation.context.trace_id == request.context.trace_id
    assert dict(evaluation.attributes or {}) == {
        "feature_flag.key": "new-checkout",
        "feature_flag.result.variant": "on",
        "feature_flag.result.reason": "static",
        "feature_flag.provider.name": "In-Memory Provider",
        "feature_flag.context.id": "user-42",
    }
    assert evaluation.status.status_code is StatusCode.UNSET
    (resolved_at,) = provider.resolved_at
    assert evaluation.start_time is not None
    assert evaluation.end_time is not None
    assert evaluation.start_time <= resolved_at <= evaluation.end_time
    assert request.events == ()  # the span replaces the event: no duplicate


def test_a_failed_evaluation_span_has_status_error_and_the_exception(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(FailingProvider())
    ff_otel.install(evaluation_spans=True)
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_boolean_value("remote", False) is False

    evaluation, request = telemetry.spans()
    assert evaluation.status.status_code is StatusCode.ERROR
    assert evaluation.status.description == "general"
    assert evaluation.attributes is not None
    assert evaluation.attributes["error.type"] == "general"
    (exception,) = evaluation.events
    assert exception.name == "exception"
    assert exception.attributes is not None
    assert exception.attributes["exception.type"] == "ConnectionError"
    assert exception.attributes["exception.message"] == "flag service unreachable"
    assert "Traceback" in str(exception.attributes["exception.stacktrace"])
    assert request.events == ()


@pytest.mark.usefixtures("flags")
def test_no_evaluation_span_under_an_unsampled_parent_but_the_metrics_count_it(telemetry: Telemetry) -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(evaluation_spans=True, meter_provider=MeterProvider(metric_readers=[reader]))
    with TracerProvider(sampler=ALWAYS_OFF).get_tracer("unsampled").start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    assert telemetry.spans() == ()
    assert telemetry.logs() == ()
    data = reader.get_metrics_data()
    assert data is not None
    names = {metric.name for r in data.resource_metrics for s in r.scope_metrics for metric in s.metrics}
    assert "feature_flag.evaluation_requests_total" in names


@pytest.mark.usefixtures("flags")
def test_outside_any_span_the_evaluation_stays_a_log_record(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True)
    api.get_client().get_boolean_value("new-checkout", False)

    assert telemetry.spans() == ()  # never a root span, a trace of its own, per evaluation
    (record,) = telemetry.logs()
    assert record.log_record.event_name == "feature_flag.evaluation"


@pytest.mark.usefixtures("flags")
def test_evaluation_spans_count_in_the_request_summary(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True)
    span = telemetry.tracer.start_span("request")
    scope = ff_otel.RequestScope(object(), find_identity=lambda: None, options=ff_otel.AdapterOptions(), span=span)
    with trace.use_span(span, end_on_exit=True), scope:
        api.get_client().get_boolean_value("new-checkout", False)
        api.get_client().get_string_value("banner-color", "grey")

    *evaluations, request = telemetry.spans()
    assert [s.name for s in evaluations] == ["feature_flag.evaluation"] * 2
    assert request.attributes is not None
    assert request.attributes["ff_otel.flags"] == ("new-checkout=on", "banner-color=red")
    assert request.attributes["ff_otel.evaluations"] == 2


@pytest.mark.usefixtures("flags")
def test_with_log_events_the_record_carries_the_evaluation_spans_id(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True, events="log")
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    evaluation, _ = telemetry.spans()
    (record,) = telemetry.logs()
    assert evaluation.context is not None
    assert record.log_record.span_id == evaluation.context.span_id
    assert dict(record.log_record.attributes or {}) == dict(evaluation.attributes or {})


def test_record_evaluation_gets_an_evaluation_span_too(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True)
    with telemetry.tracer.start_as_current_span("request"):
        ff_otel.record_evaluation("vendor-flag", True, variant="on", reason="targeting_match")

    evaluation, request = telemetry.spans()
    assert evaluation.name == "feature_flag.evaluation"
    assert evaluation.attributes is not None
    assert evaluation.attributes["feature_flag.key"] == "vendor-flag"
    assert request.events == ()


@pytest.mark.usefixtures("flags")
def test_an_async_evaluation_gets_its_span_too(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True, events="both")

    async def request() -> None:
        with telemetry.tracer.start_as_current_span("request"):
            assert await api.get_client().get_boolean_value_async("new-checkout", False) is True

    asyncio.run(request())

    evaluation, request_span = telemetry.spans()
    assert evaluation.name == "feature_flag.evaluation"
    assert evaluation.parent is not None
    assert request_span.context is not None
    assert evaluation.parent.span_id == request_span.context.span_id
    assert request_span.events == ()
    (record,) = telemetry.logs()
    assert evaluation.context is not None
    assert record.log_record.span_id == evaluation.context.span_id


@pytest.mark.usefixtures("flags")
def test_when_the_evaluation_span_is_not_sampled_the_evaluation_is_a_span_event(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True, tracer_provider=TracerProvider(sampler=ALWAYS_OFF))
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    (request,) = telemetry.spans()
    assert [event.name for event in request.events] == ["feature_flag.evaluation"]
