"""Real flagd evaluations as log-based events and as evaluation spans, checked against the semconv model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

import ff_otel
from tests.conftest import Telemetry
from tests.core.semconv_model import assert_conforms
from tests.core.test_flagd_and_semconv_model import FLAGS_FILE

EVALUATIONS = 6  # the six cases below: targeting match, default, static, disabled, flag not found, type mismatch


@pytest.fixture
def flagd() -> Iterator[None]:
    api.set_provider_and_wait(FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(FLAGS_FILE)))
    yield
    api.shutdown()


def _evaluate_everything() -> None:
    client = api.get_client()
    with ff_otel.evaluation_context("user-1", attributes={"email": "ada@example.com"}):
        assert client.get_boolean_value("new-checkout", False) is True
    with ff_otel.evaluation_context("user-2", attributes={"email": "bob@elsewhere.org"}):
        assert client.get_boolean_value("new-checkout", True) is False
    client.get_string_value("banner-color", "grey")
    client.get_boolean_value("retired-flag", True)
    client.get_boolean_value("no-such-flag", True)
    client.get_boolean_value("banner-color", True)


@pytest.mark.usefixtures("flagd")
def test_every_log_based_event_in_a_span_matches_the_model(telemetry: Telemetry) -> None:
    ff_otel.install(events="log")
    with telemetry.tracer.start_as_current_span("request") as span:
        _evaluate_everything()

    records = [r.log_record for r in telemetry.logs() if r.log_record.event_name != "exception"]
    assert len(records) == EVALUATIONS
    for record in records:
        assert record.event_name is not None
        assert_conforms(record.event_name, dict(record.attributes or {}))
        assert record.body is None  # the conventions define no body
        assert record.span_id == span.get_span_context().span_id


@pytest.mark.usefixtures("flagd")
def test_every_evaluation_span_carries_the_models_attributes(telemetry: Telemetry) -> None:
    ff_otel.install(evaluation_spans=True)
    with telemetry.tracer.start_as_current_span("request"):
        _evaluate_everything()

    *evaluations, request = telemetry.spans()
    assert len(evaluations) == EVALUATIONS
    assert request.events == ()
    for span in evaluations:
        assert_conforms(span.name, dict(span.attributes or {}))
