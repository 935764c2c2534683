"""Odd provider output still becomes one valid, bounded event that survives the OTLP encoder."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider import AbstractProvider, Metadata
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan

import ff_otel
from tests.conftest import Telemetry

LONE_SURROGATE = "\ud800"


class _RaisingStr:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


class _RaisingMapping(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("metadata store gone")

    def __iter__(self) -> Iterator[str]:
        return iter(["flagSetId"])

    def __len__(self) -> int:
        return 1


class _TouchyReason(str):
    """A str subclass (a str enum of a provider's, say) whose own methods raise."""

    def __str__(self) -> str:
        raise RuntimeError("no text")

    def __hash__(self) -> int:
        raise RuntimeError("no hash")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparison")


class _TouchyText(str):
    def __len__(self) -> int:
        raise RuntimeError("no length")


class _Unreadable(dict[str, Any]):
    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("no iteration")

    def keys(self) -> Any:
        raise RuntimeError("no keys")


class _Unordered:
    def __lt__(self, other: object) -> bool:
        raise RuntimeError("no order")

    def __hash__(self) -> int:
        return 1


class HostileProvider(AbstractProvider):
    """Returns, per flag key, the details a careless or broken provider might."""

    def __init__(self, details: dict[str, FlagResolutionDetails[Any]]) -> None:
        self.details = details

    def get_metadata(self) -> Metadata:
        return Metadata(name=f"Hostile{LONE_SURROGATE}Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        return self.details[flag_key]

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return self.details[flag_key]

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        raise NotImplementedError

    def resolve_float_details(
        self, flag_key: str, default_value: float, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[float]:
        raise NotImplementedError

    def resolve_object_details(
        self, flag_key: str, default_value: Any, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[Any]:
        return self.details[flag_key]


def _evaluate_in_span(telemetry: Telemetry, evaluate: Any) -> ReadableSpan:
    with telemetry.tracer.start_as_current_span("request"):
        evaluate()
    (span,) = telemetry.spans()
    return span


def _exported_attributes(span: ReadableSpan) -> list[dict[str, Any]]:
    """What the OTLP encoder really puts on the wire for each of the span's events."""
    request = encode_spans([span])
    (otlp_span,) = request.resource_spans[0].scope_spans[0].spans
    events = []
    for event in otlp_span.events:
        events.append({kv.key: getattr(kv.value, str(kv.value.WhichOneof("value"))) for kv in event.attributes})
    return events


@pytest.fixture
def hostile(telemetry: Telemetry) -> HostileProvider:
    provider = HostileProvider({})
    api.set_provider_and_wait(provider)
    return provider


def test_surrogates_in_key_variant_reason_provider_and_metadata_are_made_valid(
    telemetry: Telemetry, hostile: HostileProvider
) -> None:
    key = f"flag{LONE_SURROGATE}"
    hostile.details[key] = FlagResolutionDetails(
        True,
        variant=f"on{LONE_SURROGATE}",
        reason=f"Rule{LONE_SURROGATE} Match",
        flag_metadata={"flagSetId": f"set{LONE_SURROGATE}", "version": f"v{LONE_SURROGATE}"},
    )
    ff_otel.install()
    assert api.get_client().get_boolean_value(key, False) is True

    span = _evaluate_in_span(telemetry, lambda: api.get_client().get_boolean_value(key, False))
    (event,) = _exported_attributes(span)
    assert event["feature_flag.key"] == "flag?"
    assert event["feature_flag.result.variant"] == "on?"
    assert event["feature_flag.result.reason"] == "rule?_match"
    assert event["feature_flag.provider.name"] == "Hostile?Provider"
    assert event["feature_flag.set.id"] == "set?"
    assert event["feature_flag.version"] == "v?"


def test_a_bad_variant_keeps_the_request_summary(telemetry: Telemetry, hostile: HostileProvider) -> None:
    hostile.details["good"] = FlagResolutionDetails(True, variant="on")
    hostile.details["bad"] = FlagResolutionDetails(True, variant=f"on{LONE_SURROGATE}")
    ff_otel.install()
    client = api.get_client()
    span = telemetry.tracer.start_span("request")
    with (
        trace.use_span(span, end_on_exit=True),
        ff_otel.RequestScope(None, find_identity=lambda: None, options=ff_otel.AdapterOptions(), span=span),
    ):
        client.get_boolean_value("good", False)
        client.get_boolean_value("bad", False)
    (finished,) = telemetry.spans()
    otlp_span = encode_spans([finished]).resource_spans[0].scope_spans[0].spans[0]
    summary = {kv.key: kv.value for kv in otlp_span.attributes}
    assert [v.string_value for v in summary["ff_otel.flags"].array_value.values] == ["good=on", "bad=on?"]


def test_keys_and_variants_are_capped_like_values(telemetry: Telemetry, hostile: HostileProvider) -> None:
    long_key = "k" * 100_000
    hostile.details[long_key] = FlagResolutionDetails(True, variant="v" * 2_000_000)
    ff_otel.install(max_value_length=64)
    span = _evaluate_in_span(telemetry, lambda: api.get_client().get_boolean_value(long_key, False))
    (event,) = span.events
    assert event.attributes is not None
    assert event.attributes["feature_flag.key"] == "k" * 64
    assert event.attributes["feature_flag.result.variant"] == "v" * 64


def test_a_huge_object_value_is_cut_to_the_prefix_of_its_sorted_json(
    telemetry: Telemetry, hostile: HostileProvider
) -> None:
    huge = {f"item-{i:06d}": {"payload": "x" * 100, "index": i} for i in range(20_000)}  # about 2.5 MB of JSON
    hostile.details["catalog"] = FlagResolutionDetails(huge)
    ff_otel.install()
    span = _evaluate_in_span(telemetry, lambda: api.get_client().get_object_value("catalog", {}))
    (event,) = span.events
    assert event.attributes is not None
    value = event.attributes["feature_flag.result.value"]
    assert isinstance(value, str)
    assert len(value) == 256
    assert value.startswith('{"item-000000":{"index":0,"payload":"xxx')


def test_a_reason_that_is_a_list_and_metadata_that_cannot_be_read_still_give_the_event(
    telemetry: Telemetry, hostile: HostileProvider
) -> None:
    hostile.details["list-reason"] = FlagResolutionDetails(True, variant="on", reason=["A", "B"])  # type: ignore[arg-type]
    hostile.details["raising-metadata"] = FlagResolutionDetails(
        True,
        variant="on",
        flag_metadata={"flagSetId": _RaisingStr(), "version": _RaisingStr()},  # type: ignore[dict-item]
    )
    hostile.details["unreadable-metadata"] = FlagResolutionDetails(
        True,
        variant="on",
        flag_metadata=_RaisingMapping(),
    )
    ff_otel.install()
    client = api.get_client()

    def evaluate() -> None:
        for key in ("list-reason", "raising-metadata", "unreadable-metadata"):
            assert client.get_boolean_value(key, False) is True

    span = _evaluate_in_span(telemetry, evaluate)
    events = [dict(event.attributes or {}) for event in span.events]
    assert [e["feature_flag.key"] for e in events] == ["list-reason", "raising-metadata", "unreadable-metadata"]
    assert events[0]["feature_flag.result.reason"] == "['a',_'b']"
    assert events[1]["feature_flag.set.id"] == "<_RaisingStr>"
    assert "feature_flag.set.id" not in events[2]


def test_pseudonymize_context_id_covers_the_providers_context_id(
    telemetry: Telemetry, hostile: HostileProvider
) -> None:
    hostile.details["from-metadata"] = FlagResolutionDetails(True, variant="on", flag_metadata={"contextId": "user-7"})
    ff_otel.install(pseudonymize_context_id=True, secret_key="s3cret")
    span = _evaluate_in_span(telemetry, lambda: api.get_client().get_boolean_value("from-metadata", False))
    (event,) = span.events
    assert event.attributes is not None
    context_id = event.attributes["feature_flag.context.id"]
    assert context_id == ff_otel.pseudonymize("user-7", "s3cret")
    assert "user-7" not in str(encode_spans([span]))


def test_error_messages_can_be_left_out(telemetry: Telemetry, hostile: HostileProvider) -> None:
    ff_otel.install(capture_error_message=False)
    span = _evaluate_in_span(telemetry, lambda: api.get_client().get_boolean_value("missing", False))
    event, exception = span.events
    assert event.attributes is not None
    assert event.attributes["error.type"] == "general"
    assert "feature_flag.error.message" not in event.attributes
    assert exception.name == "exception"  # the raised exception: its type only, no message nor stack trace
    assert set(exception.attributes or {}) == {"exception.type"}


def test_the_event_cap_is_exact_under_threads(telemetry: Telemetry, hostile: HostileProvider) -> None:
    hostile.details["shared"] = FlagResolutionDetails(True, variant="on")
    ff_otel.install(max_events_per_span=64)
    client = api.get_client()
    threads_count, per_thread = 8, 50
    barrier = threading.Barrier(threads_count)

    def work(context: Any) -> None:
        token = otel_context.attach(context)
        try:
            barrier.wait()
            for _ in range(per_thread):
                client.get_boolean_value("shared", False)
        finally:
            otel_context.detach(token)

    with telemetry.tracer.start_as_current_span("request"):
        current = otel_context.get_current()
        threads = [threading.Thread(target=work, args=(current,)) for _ in range(threads_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    (span,) = telemetry.spans()
    assert len(span.events) == 64
    assert span.attributes is not None
    assert span.attributes["ff_otel.evaluations.dropped"] == threads_count * per_thread - 64


def test_values_variants_and_reasons_whose_methods_raise_are_still_recorded_and_counted(
    telemetry: Telemetry, hostile: HostileProvider
) -> None:
    hostile.details.update(
        {
            "variant": FlagResolutionDetails(True, variant=_RaisingStr()),  # type: ignore[arg-type]
            "reason": FlagResolutionDetails(True, variant="on", reason=_TouchyReason("CUSTOM")),
            "unreadable": FlagResolutionDetails(_Unreadable(a=1)),
            "unordered": FlagResolutionDetails({_Unordered(): 1, _Unordered(): 2}),
            "text": FlagResolutionDetails(_TouchyText("blue"), variant="blue"),
        }
    )
    reader = InMemoryMetricReader()
    ff_otel.install(capture_value="always", meter_provider=MeterProvider(metric_readers=[reader]))
    client = api.get_client()

    def evaluate() -> None:
        client.get_boolean_value("variant", False)
        client.get_boolean_value("reason", False)
        client.get_object_value("unreadable", {})
        client.get_object_value("unordered", {})
        client.get_string_value("text", "")

    span = _evaluate_in_span(telemetry, evaluate)

    events = {event["feature_flag.key"]: event for event in _exported_attributes(span)}
    assert list(events) == ["variant", "reason", "unreadable", "unordered", "text"]
    assert events["variant"]["feature_flag.result.variant"] == "<_RaisingStr>"
    assert events["reason"]["feature_flag.result.reason"] == "custom"
    assert events["text"]["feature_flag.result.value"] == "blue"
    assert isinstance(events["unreadable"]["feature_flag.result.value"], str)
    assert isinstance(events["unordered"]["feature_flag.result.value"], str)
    data = reader.get_metrics_data()
    assert data is not None
    totals = {
        metric.name: sum(point.value for point in metric.data.data_points)  # type: ignore[union-attr,misc]
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert totals["feature_flag.evaluation_requests_total"] == 5
    assert totals["feature_flag.evaluation_active_count"] == 0
