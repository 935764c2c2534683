"""The shortest lane records a repeated outcome exactly as the fallback hook does, or leaves it to the general path.

Each scenario runs twice on fresh providers: through the client wrapper (where repeated outcomes on an SDK span
take `KnownPath.record`) and through the hook (the SDK made to look unknown). Events, with their attributes and
types, the dropped-event count and the summary must be identical, and the lane must have been taken.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import pytest
from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider import AbstractProvider, Metadata
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import ff_otel
from ff_otel import Identity, _client_wrapper, _install, _known_path
from ff_otel.integration import AdapterOptions, RequestScope
from tests.conftest import FLAGS
from tests.core.test_recording_paths import FLAGD_FLAGS

Scenario = Callable[[OpenFeatureClient, TracerProvider], None]

SHARED_FLAG = {"new-checkout": InMemoryFlag("on", {"on": True, "off": False})}
"""One flag object served by two providers: the same variant string, the same reason, by identity."""


class NamedProvider(InMemoryProvider):
    def __init__(self, name: str) -> None:
        super().__init__(dict(SHARED_FLAG))
        self._name = name

    def get_metadata(self) -> Metadata:
        return Metadata(name=self._name)


def _repeated(client: OpenFeatureClient, provider: TracerProvider) -> None:
    with ff_otel.evaluation_context("user-1"), provider.get_tracer("t").start_as_current_span("request"):
        for _ in range(5):
            client.get_boolean_value("new-checkout", False)
            client.get_string_value("banner-color", "grey")


def _swapped_provider(client: OpenFeatureClient, provider: TracerProvider) -> None:
    with provider.get_tracer("t").start_as_current_span("request"):
        for name in ("first", "first", "second", "second", "first"):
            api.set_provider_and_wait(NamedProvider(name))
            client.get_boolean_value("new-checkout", False)
            client.get_boolean_value("new-checkout", False)


def _contexts(client: OpenFeatureClient, provider: TracerProvider) -> None:
    with provider.get_tracer("t").start_as_current_span("request"):
        with ff_otel.evaluation_context("user-1"):
            client.get_boolean_value("new-checkout", False)
            client.get_boolean_value("new-checkout", False, EvaluationContext("invoked"))
            client.get_boolean_value("new-checkout", False)
            api.set_evaluation_context(EvaluationContext("global"))
            client.get_boolean_value("new-checkout", False)
            with ff_otel.evaluation_context("user-2"):
                client.get_boolean_value("new-checkout", False)
            ff_otel.identify("user-3", context_id="account-3")
            client.get_boolean_value("new-checkout", False)
        client.get_boolean_value("new-checkout", False)  # the global context's key
        client.context = EvaluationContext("client-key")
        client.get_boolean_value("new-checkout", False)
        client.context = EvaluationContext()
        api.set_evaluation_context(EvaluationContext())
        client.get_boolean_value("new-checkout", False)  # no key at all


ON = "on"
METADATA: list[dict[str, Any] | None] = [
    {"flagSetId": "shop", "version": "7"},
    {"flagSetId": "shop", "version": "7"},
    {"flagSetId": "shop", "version": "8"},
    {"flagSetId": "shop", "version": "8"},
    {},
    None,
    {"flagSetId": "shop", "version": 8},
    {"flagSetId": "shop", "version": True},
    {"flagSetId": "shop", "version": 1},
    {"flagSetId": "shop", "contextId": "ctx-1"},
    {"flagSetId": "shop", "contextId": "ctx-2"},
    {"owner": "team-a"},
    {"flagSetId": "shop", "version": "7"},
]


class MetadataProvider(AbstractProvider):
    """Answers with the same variant and reason objects each time, and the next metadata of `METADATA`."""

    def __init__(self) -> None:
        self._metadata = iter(METADATA * 2)

    def get_metadata(self) -> Metadata:
        return Metadata(name="metadata provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        metadata = next(self._metadata)
        return FlagResolutionDetails(True, variant=ON, reason=Reason.STATIC, flag_metadata=metadata)  # type: ignore[arg-type]

    def resolve_string_details(self, *arguments: Any) -> FlagResolutionDetails[str]:
        raise NotImplementedError

    def resolve_integer_details(self, *arguments: Any) -> FlagResolutionDetails[int]:
        raise NotImplementedError

    def resolve_float_details(self, *arguments: Any) -> FlagResolutionDetails[float]:
        raise NotImplementedError

    def resolve_object_details(self, *arguments: Any) -> FlagResolutionDetails[Any]:
        raise NotImplementedError


def _changing_metadata(client: OpenFeatureClient, provider: TracerProvider) -> None:
    api.set_provider_and_wait(MetadataProvider())
    with ff_otel.evaluation_context("user-1"), provider.get_tracer("t").start_as_current_span("request"):
        for _ in range(len(METADATA) * 2):
            client.get_boolean_value("new-checkout", False)


class Unhashable(list[str]):
    """A flag key an untyped caller passed: equal to nothing the lane keeps, and its hash raises."""


def _odd_keys(client: OpenFeatureClient, provider: TracerProvider) -> None:
    api.set_provider_and_wait(MetadataProvider())
    with provider.get_tracer("t").start_as_current_span("request"):
        for key in ("new-checkout", "new-checkout", Unhashable(["new-checkout"]), "new-checkout"):
            client.get_boolean_value(key, False)  # type: ignore[arg-type]


class Flag(str, Enum):
    """Flag keys as an application may name them: equal to the plain strings, recorded as themselves."""

    NEW_CHECKOUT = "new-checkout"


def _in_a_request(client: OpenFeatureClient, provider: TracerProvider) -> None:
    with provider.get_tracer("t").start_as_current_span("request") as span:
        scope = RequestScope(object(), find_identity=lambda: Identity.user(7), options=AdapterOptions(), span=span)
        with scope:
            for key in ("new-checkout", "new-checkout", Flag.NEW_CHECKOUT, "new-checkout", Flag.NEW_CHECKOUT):
                client.get_boolean_value(key, False)
                client.get_string_value("banner-color", "grey")


def _no_client_context(client: OpenFeatureClient, provider: TracerProvider) -> None:
    client.context = None  # type: ignore[assignment]  # the SDK takes it: its merge skips a missing context
    with ff_otel.evaluation_context("user-1"), provider.get_tracer("t").start_as_current_span("request"):
        for _ in range(3):
            client.get_boolean_value("new-checkout", False)
            client.get_boolean_value("new-checkout", False, EvaluationContext(attributes={"plan": "pro"}))


def _flagd(client: OpenFeatureClient, provider: TracerProvider) -> None:
    api.set_provider_and_wait(FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(FLAGD_FLAGS)))
    try:
        context = ff_otel.evaluation_context("user-1", attributes={"email": "ada@example.com"})
        with context, provider.get_tracer("t").start_as_current_span("request"):
            for _ in range(4):
                client.get_boolean_value("new-checkout", False)
                client.get_string_value("banner-color", "grey")
    finally:
        api.shutdown()


SCENARIOS: dict[str, tuple[Scenario, dict[str, Any], SpanLimits]] = {
    "repeated outcomes within the cap": (_repeated, {}, SpanLimits()),
    "repeated outcomes over the cap": (_repeated, {"max_events_per_span": 3}, SpanLimits()),
    "no cap": (_repeated, {"max_events_per_span": None}, SpanLimits()),
    "span limits that cut values": (_repeated, {}, SpanLimits(max_attribute_length=4)),
    "span limits that drop attributes": (_repeated, {}, SpanLimits(max_event_attributes=2)),
    "span limits that keep few events": (_repeated, {}, SpanLimits(max_events=4)),
    "providers swapped between evaluations": (_swapped_provider, {}, SpanLimits()),
    "targeting keys from every level": (_contexts, {}, SpanLimits()),
    "pseudonymized context ids": (_contexts, {"secret_key": "s3cret", "pseudonymize_context_id": True}, SpanLimits()),
    "flag metadata that changes between evaluations": (_changing_metadata, {}, SpanLimits()),
    "flagd, whose answers carry flag metadata": (_flagd, {}, SpanLimits()),
    "a key whose hash fails, between repeated ones": (_odd_keys, {}, SpanLimits()),
    "in a request, with str enum keys equal to plain ones": (_in_a_request, {}, SpanLimits()),
    "a client context set to None": (_no_client_context, {}, SpanLimits()),
}


def _run(scenario: str, *, hook: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], int]:
    """The exported request span's events, attributes and dropped count; and how often the lane recorded."""
    run, options, limits = SCENARIOS[scenario]
    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=limits)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    recorded = 0
    original = _known_path.KnownPath.record

    def counted(self: _known_path.KnownPath, *arguments: Any) -> bool:
        nonlocal recorded
        done = original(self, *arguments)
        recorded += done
        return done

    with monkeypatch.context() as patches:
        patches.setattr(_known_path.KnownPath, "record", counted)
        patches.setattr(_install, "_recorders", {})  # a recorder of its own, whose lane is the one counted here
        if hook:
            patches.setattr(_client_wrapper, "KNOWN_SDK_SERIES", ("99.",))
        ff_otel.install(**options)
        api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))
        try:
            run(api.get_client(), provider)
        finally:
            ff_otel.uninstall()
            api.clear_providers()
            api.set_evaluation_context(EvaluationContext())
    (span,) = exporter.get_finished_spans()
    events = []
    for event in span.events:
        attributes: Any = event.attributes  # the SDK's BoundedAttributes, with its dropped count
        events.append((event.name, [(k, type(v).__name__, v) for k, v in attributes.items()], attributes.dropped))
    return [events, dict(span.attributes or {}), span.dropped_events], recorded


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_shortest_lane_records_what_the_hook_records(scenario: str, monkeypatch: pytest.MonkeyPatch) -> None:
    through_wrapper, lane = _run(scenario, hook=False, monkeypatch=monkeypatch)
    through_hook, _ = _run(scenario, hook=True, monkeypatch=monkeypatch)
    assert through_wrapper == through_hook
    assert through_wrapper[0], "the scenario recorded no events"
    if "cut" in scenario or "drop attributes" in scenario:
        assert lane == 0  # the SDK's own `add_event` cuts and drops: the general path records those
    else:
        assert lane > 0


def test_the_lane_counts_repeated_outcomes_in_the_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))
    try:
        _repeated(api.get_client(), TracerProvider())
    finally:
        ff_otel.uninstall()
        api.clear_providers()
    data = reader.get_metrics_data()
    assert data is not None
    totals = {
        (metric.name, point.attributes.get("feature_flag.key")): point.value  # type: ignore[union-attr]
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        for point in metric.data.data_points
        if metric.name.endswith("requests_total")
    }
    assert sorted(totals.values()) == [5, 5]
