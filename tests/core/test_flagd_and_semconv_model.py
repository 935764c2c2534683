"""Real flagd evaluations, every event checked against the semantic-conventions model transcribed in semconv_model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

import ff_otel
from tests.conftest import Telemetry
from tests.core.semconv_model import assert_conforms, check_installed_constants

FLAGS_FILE = Path(__file__).with_name("flagd_flags.json")


@pytest.fixture
def flagd() -> Iterator[None]:
    api.set_provider_and_wait(FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(FLAGS_FILE)))
    yield
    api.shutdown()


def _evaluate_everything(telemetry: Telemetry) -> list[dict[str, Any]]:
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        with ff_otel.evaluation_context("user-1", attributes={"email": "ada@example.com"}):
            assert client.get_boolean_value("new-checkout", False) is True  # targeting match
        with ff_otel.evaluation_context("user-2", attributes={"email": "bob@elsewhere.org"}):
            assert client.get_boolean_value("new-checkout", True) is False  # default variant
        client.get_string_value("banner-color", "grey")  # static
        client.get_boolean_value("retired-flag", True)  # disabled
        client.get_boolean_value("no-such-flag", True)  # flag_not_found
        client.get_boolean_value("banner-color", True)  # type_mismatch
    (span,) = telemetry.spans()
    # flagd raises for a missing flag and a type mismatch: those exceptions are events of their own.
    return [{"name": e.name, **dict(e.attributes or {})} for e in span.events if e.name != "exception"]


@pytest.mark.usefixtures("flagd")
def test_flagd_variants_reasons_and_metadata_become_attributes(telemetry: Telemetry) -> None:
    ff_otel.install()
    matched, default, static, disabled, missing, mismatch = _evaluate_everything(telemetry)

    assert matched["feature_flag.result.variant"] == "on"
    assert matched["feature_flag.result.reason"] == "targeting_match"
    assert matched["feature_flag.context.id"] == "user-1"
    assert matched["feature_flag.set.id"] == "checkout-service"
    assert matched["feature_flag.version"] == "12"  # the flag's own version wins over the set's
    assert matched["feature_flag.provider.name"] == "FlagdProvider"
    assert default["feature_flag.result.reason"] == "default"
    assert static["feature_flag.result.reason"] == "static"
    assert static["feature_flag.version"] == "7"
    assert disabled["feature_flag.result.reason"] == "disabled"
    assert disabled["feature_flag.result.value"] is True  # no variant: the value
    assert missing["error.type"] == "flag_not_found"
    assert mismatch["error.type"] == "type_mismatch"
    assert "error.type" not in matched


def test_the_transcribed_model_matches_the_installed_semantic_conventions() -> None:
    check_installed_constants()


@pytest.mark.usefixtures("flagd")
def test_every_latest_event_matches_the_semantic_conventions_model(telemetry: Telemetry) -> None:
    ff_otel.install()
    events = _evaluate_everything(telemetry)
    assert len(events) == 6

    for event in events:
        name = event.pop("name")
        assert_conforms(name, event)
        failed = event["feature_flag.result.reason"] == "error"
        assert ("feature_flag.error.message" in event) == failed  # flagd explains every error it reports


@pytest.mark.usefixtures("flagd")
def test_log_records_outside_a_span_match_the_model_too(telemetry: Telemetry) -> None:
    ff_otel.install()
    client = api.get_client()
    client.get_string_value("banner-color", "grey")
    client.get_boolean_value("no-such-flag", True)

    # The failed evaluation's exception is an `exception` record of its own.
    records = [r.log_record for r in telemetry.logs() if r.log_record.event_name != "exception"]
    assert len(records) == 2
    for record in records:
        assert record.event_name is not None
        assert_conforms(record.event_name, dict(record.attributes or {}))
