"""An exception raised during an evaluation is recorded as OpenTelemetry records exceptions, unless excluded."""

from __future__ import annotations

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import FlagNotFoundError
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider import Metadata
from openfeature.provider.in_memory_provider import InMemoryProvider
from opentelemetry._logs import SeverityNumber

import ff_otel
from tests.conftest import Telemetry


class BrokenProvider(InMemoryProvider):
    """Raises a plain exception for one flag and OpenFeature's own FlagNotFoundError for the others."""

    def __init__(self) -> None:
        super().__init__({})

    def get_metadata(self) -> Metadata:
        return Metadata(name="Broken Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        if flag_key == "timeout":
            raise TimeoutError("no answer within 200 ms")
        raise FlagNotFoundError(f"no flag {flag_key!r}")


@pytest.fixture
def broken() -> None:
    api.set_provider_and_wait(BrokenProvider())


@pytest.mark.usefixtures("broken")
def test_on_the_current_span_the_exception_is_an_exception_event(telemetry: Telemetry) -> None:
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_boolean_value("missing", True) is True

    (span,) = telemetry.spans()
    evaluation, exception = span.events
    assert evaluation.name == "feature_flag.evaluation"
    assert evaluation.attributes is not None
    assert evaluation.attributes["error.type"] == "flag_not_found"
    assert exception.name == "exception"
    assert exception.attributes is not None
    assert exception.attributes["exception.type"] == "openfeature.exception.FlagNotFoundError"
    assert exception.attributes["exception.message"] == "no flag 'missing'"


@pytest.mark.usefixtures("broken")
def test_outside_any_span_the_exception_is_a_log_record(telemetry: Telemetry) -> None:
    ff_otel.install()
    api.get_client().get_boolean_value("timeout", False)

    evaluation, exception = telemetry.logs()
    assert evaluation.log_record.event_name == "feature_flag.evaluation"
    assert exception.log_record.event_name == "exception"
    assert exception.log_record.severity_number is SeverityNumber.ERROR
    attributes = dict(exception.log_record.attributes or {})
    assert attributes["exception.type"] == "TimeoutError"
    assert attributes["exception.message"] == "no answer within 200 ms"
    assert "TimeoutError" in str(attributes["exception.stacktrace"])


@pytest.mark.usefixtures("broken")
@pytest.mark.parametrize("evaluation_spans", [False, True])
def test_exclude_exceptions_records_the_failed_evaluation_without_its_exception(
    telemetry: Telemetry, evaluation_spans: bool
) -> None:
    ff_otel.install(exclude_exceptions=True, evaluation_spans=evaluation_spans)
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("timeout", False)
    api.get_client().get_boolean_value("timeout", False)

    events = [event for span in telemetry.spans() for event in span.events]
    assert all(event.name != "exception" for event in events)
    assert [r.log_record.event_name for r in telemetry.logs()] == ["feature_flag.evaluation"]
    as_events = [e for e in events if e.name == "feature_flag.evaluation"]
    as_spans = [span for span in telemetry.spans() if span.name == "feature_flag.evaluation"]
    assert len(as_events) + len(as_spans) == 1  # the evaluation itself is still recorded, as an event or a span


@pytest.mark.usefixtures("flags")
def test_an_error_the_provider_returned_is_no_exception(telemetry: Telemetry) -> None:
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("no-such-flag", False)  # the in-memory provider returns the error code
        api.get_client().get_boolean_value("banner-color", False)  # a type mismatch the SDK finds itself

    (span,) = telemetry.spans()
    assert [event.name for event in span.events] == ["feature_flag.evaluation"] * 2


@pytest.mark.parametrize("path", ["client wrapper", "hook"])
@pytest.mark.parametrize("excluded_by_the_app", [False, True])
def test_whether_exceptions_are_recorded_follows_the_app_serving_the_request(
    path: str, excluded_by_the_app: bool, telemetry: Telemetry, request: pytest.FixtureRequest
) -> None:
    if path == "hook":
        request.getfixturevalue("hook_path")
    api.set_provider_and_wait(BrokenProvider())
    assert ff_otel.install(exclude_exceptions=not excluded_by_the_app).recording == path
    scope = ff_otel.RequestScope(
        None,
        find_identity=lambda: None,
        options=ff_otel.AdapterOptions(),
        core=ff_otel.Options(exclude_exceptions=excluded_by_the_app),
    )

    with telemetry.tracer.start_as_current_span("request"), scope:
        api.get_client().get_boolean_value("timeout", False)

    (span,) = telemetry.spans()
    names = [event.name for event in span.events]
    assert names == (["feature_flag.evaluation"] if excluded_by_the_app else ["feature_flag.evaluation", "exception"])
