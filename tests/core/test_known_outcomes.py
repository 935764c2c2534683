"""An outcome seen before records what the general path records: event, summary entry, impact variant, series.

The recorder prepares a successful evaluation's record once per outcome and reuses it; each prepared piece is
compared here with what a recorder that never saw the outcome builds for it, in every option set of the
attribute cache's test, and end to end with the events a repeated evaluation leaves on a span.
"""

from __future__ import annotations

from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider import AbstractProvider, Metadata
from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.trace import INVALID_SPAN_CONTEXT, NonRecordingSpan

import ff_otel
from ff_otel import _known_outcomes
from ff_otel._evaluation import Evaluation
from ff_otel._options import Options
from ff_otel._recorder import Recorder
from ff_otel._semconv import CONTEXT_ID
from ff_otel._values import clean_text
from tests.conftest import Telemetry
from tests.core.test_attribute_cache import EVALUATIONS, OPTIONS


def _typed(attributes: dict[str, Any]) -> list[tuple[str, str, object]]:
    return [(name, type(value).__name__, value) for name, value in attributes.items()]  # in order


def _known(recorder: Recorder, evaluation: Evaluation) -> Any:
    return recorder.known(
        evaluation.key,
        evaluation.value,
        evaluation.variant,
        evaluation.reason,
        evaluation.flag_metadata,
        evaluation.provider_name,
    )


@pytest.mark.parametrize("options", list(OPTIONS))
def test_a_prepared_outcome_is_what_the_general_path_builds(options: str) -> None:
    settings = Options(**OPTIONS[options])
    prepared = Recorder(settings)
    limit = settings.max_value_length
    kept = 0
    for _ in range(2):  # the first round prepares, the second reads what was prepared
        for evaluation in EVALUATIONS:
            if evaluation.error_code is not None:
                continue  # the recording path asks only about successful evaluations
            known = _known(prepared, evaluation)
            if known is None:
                continue
            kept += 1
            assert (evaluation.flag_metadata or {}).get("contextId") is None  # a provider's context id varies
            fresh = Recorder(settings)
            attributes = dict(known.head)
            if settings.semconv != "legacy":
                context_id = fresh._attributes.context_id(None, evaluation.targeting_key)
                if context_id is not None:
                    attributes[CONTEXT_ID] = context_id
            attributes.update(known.tail)
            assert _typed(attributes) == _typed(fresh.attributes(evaluation))
            assert known.series == fresh._series(evaluation)
            assert known.impact_variant == fresh._impact_variant(evaluation)
            key, variant = clean_text(evaluation.key, limit), evaluation.variant
            assert known.summary_entry == (key if variant is None else f"{key}={clean_text(variant, limit)}")
    # The user's `redact` sees every value it is asked about, so with it outcomes with a value are never prepared.
    assert (kept == 0) == ("redact" in OPTIONS[options])


def test_outcomes_that_are_not_plain_take_the_general_path() -> None:
    recorder = Recorder(Options(capture_value="always"))
    with_context_id = {"version": 3, "contextId": "ctx-1"}  # the provider's context id: per evaluation
    assert _known(recorder, Evaluation("flagd", "on", "on", "STATIC", flag_metadata=with_context_id)) is None
    assert _known(recorder, Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"version": 0.5})) is None
    assert _known(recorder, Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"version": ["7"]})) is None
    assert _known(recorder, Evaluation("layout", {"columns": 3}, None, "STATIC")) is None  # a structured value
    assert _known(recorder, Evaluation("flag", True, None, object())) is None  # a reason that is no name
    assert _known(recorder, Evaluation("flag", 0.5, None, "STATIC")) is None  # -0.0 == 0.0, recorded apart
    assert _known(Recorder(Options(redact=lambda key, value: "x")), Evaluation("flag", 1, None, "STATIC")) is None
    assert _known(recorder, Evaluation("flag", True, "on", "STATIC")) is not None
    assert _known(recorder, Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"version": 3})) is not None


def test_the_memo_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_known_outcomes, "CAPACITY", 8)
    recorder = Recorder(Options())
    for number in range(50):
        assert _known(recorder, Evaluation(f"flag-{number}", True, "on", "STATIC")) is not None
        assert recorder._known is not None
        assert len(recorder._known.outcomes) <= 8


class FreshReasonProvider(AbstractProvider):
    """Answers every flag `on`, with a reason string built anew each time, as a parsed response would be."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="Fresh Reason Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        return FlagResolutionDetails(True, variant="on", reason="".join(["TARGETING", "_MATCH"]))

    def resolve_string_details(self, flag_key: str, default_value: str, evaluation_context: Any = None) -> Any:
        raise NotImplementedError

    def resolve_integer_details(self, flag_key: str, default_value: int, evaluation_context: Any = None) -> Any:
        raise NotImplementedError

    def resolve_float_details(self, flag_key: str, default_value: float, evaluation_context: Any = None) -> Any:
        raise NotImplementedError

    def resolve_object_details(self, flag_key: str, default_value: Any, evaluation_context: Any = None) -> Any:
        raise NotImplementedError


def test_repeated_evaluations_leave_the_same_events_with_their_own_context_ids(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(FreshReasonProvider())
    installation = ff_otel.install()
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        for user in ("u-1", "u-2", "u-1"):
            with ff_otel.evaluation_context(user):
                assert client.get_boolean_value("new-checkout", False) is True
    (span,) = telemetry.spans()
    assert [event.attributes[CONTEXT_ID] for event in span.events if event.attributes] == ["u-1", "u-2", "u-1"]
    others = {tuple((k, v) for k, v in (e.attributes or {}).items() if k != CONTEXT_ID) for e in span.events}
    assert others == {
        (
            ("feature_flag.key", "new-checkout"),
            ("feature_flag.result.variant", "on"),
            ("feature_flag.result.reason", "targeting_match"),
            ("feature_flag.provider.name", "Fresh Reason Provider"),
        )
    }
    # Equal reasons in new strings are one outcome, prepared once (the recorder may know other tests' outcomes).
    recorder = installation.recorder
    assert recorder is not None
    assert recorder._known is not None
    assert len([key for key in recorder._known.outcomes if key[3] == "Fresh Reason Provider"]) == 1


def test_redact_runs_on_every_evaluation(telemetry: Telemetry, flags: None) -> None:
    seen: list[object] = []

    def redact(key: str, value: object) -> object:
        seen.append(value)
        return f"redacted-{len(seen)}"

    ff_otel.install(capture_value="always", redact=redact)
    with telemetry.tracer.start_as_current_span("request"):
        for _ in range(3):
            api.get_client().get_integer_value("max-items", 0)
    (span,) = telemetry.spans()
    assert [e.attributes["feature_flag.result.value"] for e in span.events if e.attributes] == [
        "redacted-1",
        "redacted-2",
        "redacted-3",
    ]


class FalsySpan(NonRecordingSpan):
    """An application's own recording span that happens to be falsy (it defines `__len__`)."""

    def __init__(self) -> None:
        super().__init__(INVALID_SPAN_CONTEXT)
        self.events: list[tuple[str, dict[str, Any]]] = []

    def __len__(self) -> int:
        return 0

    def is_recording(self) -> bool:
        return True

    def add_event(self, name: str, attributes: Any = None, timestamp: int | None = None) -> None:
        self.events.append((name, dict(attributes or {})))


def test_a_falsy_span_of_the_applications_own_still_gets_its_events(flags: None) -> None:
    ff_otel.install()
    span = FalsySpan()
    with trace.use_span(span):
        for _ in range(2):  # the second takes the prepared outcome
            api.get_client().get_boolean_value("new-checkout", False)
    assert [name for name, _ in span.events] == ["feature_flag.evaluation"] * 2
    assert span.events[0] == span.events[1]


class SpanEndingProvider(FreshReasonProvider):
    """Ends the request's span while it resolves, as a response sent meanwhile would, with an unnamed provider."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        if flag_key == "ends-the-span":
            trace.get_current_span().end()
        return super().resolve_boolean_details(flag_key, default_value, evaluation_context)


def test_a_span_that_ends_while_the_provider_resolves_gives_a_log_record(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(SpanEndingProvider())
    ff_otel.install(metrics=False)  # nothing to start: where it belongs is found before the provider resolves
    span = telemetry.tracer.start_span("request")
    with trace.use_span(span, end_on_exit=False):
        assert api.get_client().get_boolean_value("ends-the-span", False) is True
    (ended,) = telemetry.spans()
    assert ended.events == ()
    assert [log.log_record.event_name for log in telemetry.logs()] == ["feature_flag.evaluation"]


def test_an_unnamed_provider_is_left_out_of_the_metrics_as_out_of_the_events(telemetry: Telemetry) -> None:
    api.set_provider_and_wait(SpanEndingProvider())
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    with telemetry.tracer.start_as_current_span("request"):
        for _ in range(2):
            api.get_client().get_boolean_value("new-checkout", False)
    (span,) = telemetry.spans()
    assert all("feature_flag.provider.name" not in (event.attributes or {}) for event in span.events)
    data = reader.get_metrics_data()
    assert data is not None
    points = [
        point
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == "feature_flag.evaluation_requests_total"
        for point in metric.data.data_points
    ]
    assert [(dict(point.attributes or {}), getattr(point, "value", None)) for point in points] == [
        (
            {
                "feature_flag.key": "new-checkout",
                "feature_flag.result.variant": "on",
                "feature_flag.result.reason": "targeting_match",
            },
            2,
        )
    ]


def test_a_falsy_span_gets_its_events_on_the_general_path_too(telemetry: Telemetry) -> None:
    ff_otel.install()
    span = FalsySpan()
    with trace.use_span(span):
        ff_otel.record_evaluation("vendor-flag", True, variant="on", reason="STATIC")
    assert [name for name, _ in span.events] == ["feature_flag.evaluation"]


def test_the_context_id_follows_each_change_of_who_the_request_is_for(telemetry: Telemetry, flags: None) -> None:
    ff_otel.install()
    client = api.get_client()
    seen: list[object] = []

    def evaluate() -> None:
        client.get_boolean_value("new-checkout", False)
        (span,) = [s for s in (trace.get_current_span(),) if s.is_recording()]
        events = span.events  # type: ignore[attr-defined]
        seen.append(events[-1].attributes.get(CONTEXT_ID))

    with telemetry.tracer.start_as_current_span("request"):
        with ff_otel.evaluation_context("u-1"):
            evaluate()
            evaluate()
            ff_otel.identify("u-2")  # the block's own context replaced
            evaluate()
            ff_otel.identify("u-2", context_id="account-7")  # the same key, another id
            evaluate()
            with ff_otel.evaluation_context("u-3"):  # a layer inside
                evaluate()
            evaluate()
        evaluate()  # no block: no targeting key, no context id
        client.get_boolean_value("new-checkout", False, EvaluationContext("u-4"))
        seen.append(trace.get_current_span().events[-1].attributes.get(CONTEXT_ID))  # type: ignore[attr-defined]
    assert seen == ["u-1", "u-1", "u-2", "account-7", "u-3", "account-7", None, "u-4"]


def test_events_of_one_outcome_take_each_spans_own_limits(flags: None) -> None:
    from opentelemetry.sdk.trace import SpanLimits, TracerProvider

    ff_otel.install()
    client = api.get_client()
    recorded: list[dict[str, Any]] = []
    for limits in (SpanLimits(), SpanLimits(max_attribute_length=4), SpanLimits(max_event_attributes=2), SpanLimits()):
        tracer = TracerProvider(span_limits=limits).get_tracer("tests")
        with ff_otel.evaluation_context("user-42"), tracer.start_as_current_span("request") as span:
            client.get_boolean_value("new-checkout", False)
            expected = TracerProvider(span_limits=limits).get_tracer("tests").start_span("public")
            (event,) = span.events  # type: ignore[attr-defined]
            expected.add_event(event.name, dict(recorded[0]) if recorded else dict(event.attributes))
            recorded.append(dict(event.attributes))
            (public,) = expected.events  # type: ignore[attr-defined]
            assert (dict(event.attributes), event.attributes.dropped) == (
                dict(public.attributes),
                public.attributes.dropped,
            )
    assert recorded[0] == recorded[3]
    assert recorded[1]["feature_flag.key"] == "new-"
    assert len(recorded[2]) == 2


def test_a_sampled_span_after_an_unsampled_one_gets_its_events(flags: None) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    ff_otel.install()
    client = api.get_client()
    unsampled = TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
    sampled = TracerProvider().get_tracer("tests")
    for tracer in (unsampled, sampled, unsampled, sampled):
        with tracer.start_as_current_span("request") as span:
            client.get_boolean_value("new-checkout", False)
            client.get_boolean_value("new-checkout", False)
            assert len(getattr(span, "events", ())) == (2 if span.is_recording() else 0)


def test_equal_targeting_keys_of_other_types_each_record_their_own_context_id(telemetry: Telemetry) -> None:
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        keys: tuple[Any, ...] = (1, True, 1.0, "1", 1)  # odd input to a str parameter, as an untyped caller passes
        for key in keys:
            ff_otel.record_evaluation("vendor-flag", True, variant="on", reason="STATIC", targeting_key=key)
    (span,) = telemetry.spans()
    assert [event.attributes[CONTEXT_ID] for event in span.events if event.attributes] == ["1", "True", "1.0", "1", "1"]
