"""The client wrapper and the fallback hook record the same telemetry, attribute for attribute.

Each case runs three times in one test: with nothing installed (the values the application gets), through the
client wrapper, and through the hook (the SDK made to look unknown). Values, span events, log records and metric
points must be identical, with every attribute's type.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from openfeature import api
from openfeature.client import OpenFeatureClient
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagEvaluationDetails, FlagEvaluationOptions, FlagResolutionDetails
from openfeature.hook import Hook, HookContext, HookHints
from openfeature.provider import AbstractProvider, Metadata
from openfeature.provider.in_memory_provider import InMemoryProvider
from opentelemetry._logs import Logger, LoggerProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

import ff_otel
from ff_otel import _client_wrapper, _recording_path, _safe
from tests.conftest import FLAGS, Telemetry

FLAGD_FLAGS = Path(__file__).with_name("flagd_flags.json")
Case = Callable[[OpenFeatureClient], Sequence[object]]
"""Evaluates some flags inside the case's set-up and returns what the application got."""


class ContextChangingHook(Hook):
    """An application hook whose `before` replaces the targeting key and adds an attribute."""

    def before(self, hook_context: HookContext, hints: HookHints) -> EvaluationContext | None:
        return EvaluationContext("changed-by-hook", {"plan": "pro"})


class RaisingHook(Hook):
    """An application hook that raises in the stage it is built for."""

    def __init__(self, stage: str) -> None:
        self.stage = stage

    def before(self, hook_context: HookContext, hints: HookHints) -> EvaluationContext | None:
        if self.stage == "before":
            raise RuntimeError("before hook failed")
        return None

    def after(self, hook_context: HookContext, details: FlagEvaluationDetails[Any], hints: HookHints) -> None:
        if self.stage == "after":
            raise RuntimeError("after hook failed")


class SlowStartProvider(InMemoryProvider):
    """Not ready until `ready` is set: evaluations meanwhile are the client's PROVIDER_NOT_READY errors."""

    def __init__(self) -> None:
        super().__init__(dict(FLAGS))
        self.ready = threading.Event()

    def initialize(self, evaluation_context: EvaluationContext) -> None:
        self.ready.wait(10)

    def get_metadata(self) -> Metadata:
        return Metadata(name="Slow Start Provider")


class FailingProvider(AbstractProvider):
    """A provider whose resolution raises, or answers with an error code."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="Failing Provider")

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        if flag_key == "raises":
            raise ConnectionError("flag service unreachable")
        return FlagResolutionDetails(
            default_value, error_code=ErrorCode.PARSE_ERROR, error_message="bad rule", flag_metadata={"version": 4}
        )

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return FlagResolutionDetails(12, variant="twelve")  # type: ignore[arg-type]  # a type mismatch

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        raise NotImplementedError

    def resolve_float_details(
        self, flag_key: str, default_value: float, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[float]:
        raise NotImplementedError

    def resolve_object_details(self, flag_key: str, default_value: Any, evaluation_context: Any = None) -> Any:
        raise NotImplementedError


def _every_type(client: OpenFeatureClient) -> Sequence[object]:
    return [
        client.get_boolean_value("new-checkout", False),
        client.get_string_details("banner-color", "grey").value,
        client.get_integer_value("max-items", 0),
        client.get_object_value("layout", {}),
        client.get_boolean_value("no-such-flag", True),  # flag_not_found
        client.get_boolean_value("banner-color", True),  # type_mismatch from the client's own check
        client.get_integer_value("new-checkout", 3, EvaluationContext("invocation-user")),
    ]


def _contexts(client: OpenFeatureClient) -> Sequence[object]:
    api.set_evaluation_context(EvaluationContext("global-user", {"region": "eu"}))
    try:
        found = [client.get_boolean_value("new-checkout", False)]
        with ff_otel.evaluation_context("request-user", context_id="pseudonym-7"):
            found.append(client.get_boolean_value("new-checkout", False))
            found.append(client.get_boolean_value("new-checkout", False, EvaluationContext("invocation-user")))
            client.context = EvaluationContext("client-user")
            found.append(client.get_boolean_value("new-checkout", False))
            client.context = EvaluationContext("")  # empty keys do not override
            found.append(client.get_boolean_value("new-checkout", False, EvaluationContext("")))
        return found
    finally:
        api.set_evaluation_context(EvaluationContext())


def _app_hooks(client: OpenFeatureClient) -> Sequence[object]:
    api.add_hooks([ContextChangingHook()])
    client.add_hooks([RaisingHook("none")])
    with ff_otel.evaluation_context("request-user"):
        return [
            client.get_boolean_value("new-checkout", False),
            client.get_string_value(
                "banner-color", "grey", flag_evaluation_options=FlagEvaluationOptions(hooks=[RaisingHook("before")])
            ),
            client.get_integer_value(
                "max-items", 0, flag_evaluation_options=FlagEvaluationOptions(hooks=[RaisingHook("after")])
            ),
        ]


def _provider_errors(client: OpenFeatureClient) -> Sequence[object]:
    api.set_provider_and_wait(FailingProvider(), domain="failing")
    failing = api.get_client("failing")
    return [
        failing.get_boolean_value("raises", True),
        failing.get_boolean_details("parse-error", False).error_code,
        failing.get_string_value("mismatch", "default"),
        failing.get_integer_value("unimplemented", 5),
        client.get_boolean_value("new-checkout", False),  # the default provider, next to a domain-bound one
    ]


def _not_ready(client: OpenFeatureClient) -> Sequence[object]:
    provider = SlowStartProvider()
    api.set_provider(provider, domain="starting")
    starting = api.get_client("starting")
    try:
        return [starting.get_boolean_value("new-checkout", False), starting.get_integer_details("max-items", 1).reason]
    finally:
        provider.ready.set()


def _async(client: OpenFeatureClient) -> Sequence[object]:
    async def evaluate() -> list[object]:
        async with ff_otel.evaluation_context("async-user"):
            return [
                await client.get_boolean_value_async("new-checkout", False),
                (await client.get_string_details_async("banner-color", "grey")).variant,
                await client.get_integer_value_async("banner-color", 0),  # type_mismatch
                await client.get_float_value_async("no-such-flag", 0.5),
            ]

    return asyncio.run(evaluate())


def _flagd(client: OpenFeatureClient) -> Sequence[object]:
    api.set_provider_and_wait(
        FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(FLAGD_FLAGS)), domain="flagd"
    )
    flagd = api.get_client("flagd")
    try:
        with ff_otel.evaluation_context("user-1", attributes={"email": "ada@example.com"}):
            return [
                flagd.get_boolean_value("new-checkout", False),
                flagd.get_string_value("banner-color", "grey"),
                flagd.get_boolean_value("retired-flag", True),
                flagd.get_boolean_value("no-such-flag", True),
            ]
    finally:
        api.shutdown()


CASES: dict[str, Case] = {
    "success, errors and type mismatch": _every_type,
    "contexts from every level": _contexts,
    "application hooks that change the context or raise": _app_hooks,
    "provider errors, domain-bound provider": _provider_errors,
    "provider not ready": _not_ready,
    "async evaluations": _async,
    "flagd": _flagd,
}


def _typed(attributes: Mapping[str, Any] | None) -> list[tuple[str, str, object]]:
    return sorted((key, type(value).__name__, value) for key, value in (attributes or {}).items())


def _metric_points(reader: InMemoryMetricReader) -> list[tuple[str, list[tuple[str, str, object]], Any]]:
    data = reader.get_metrics_data()
    found = []
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    found.append((metric.name, _typed(point.attributes), value if value is not None else "histogram"))
    return sorted(found, key=repr)


OPTIONS: dict[str, dict[str, Any]] = {
    # Default options take the prepared path for outcomes seen before: each case repeats some evaluations.
    "default options": {},
    # No meter provider set anywhere: nothing starts before the provider resolves, the recording path's quickest case.
    "default options, no meter provider": {"meter_provider": None},
    "legacy conventions, values without a variant": {"semconv": "legacy"},
    "events": {"semconv": "both", "capture_value": "always"},
    "evaluation spans and log records": {"evaluation_spans": True, "events": "both", "duration_histogram": True},
    # The user's callbacks run on every evaluation, cached outcome or not.
    "events shaped by callbacks": {
        "capture_value": "always",
        "redact": lambda key, value: f"{key}={value!r}",
        "attribute_mapper": lambda metadata: {"app.metadata_keys": len(metadata)},
        "event_mutator": lambda attributes: {**attributes, "app.attribute_count": len(attributes)},
    },
}


def _run(case: Case, telemetry: Telemetry, *, install: bool, in_span: bool, options: str) -> dict[str, Any]:
    """One run of `case` on fresh providers and hooks; what the application got, and the telemetry."""
    telemetry.clear()
    reader = InMemoryMetricReader()
    if install:
        ff_otel.install(**{"meter_provider": MeterProvider(metric_readers=[reader]), **OPTIONS[options]})
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))
    client = api.get_client("created after install")
    try:
        if in_span:
            with telemetry.tracer.start_as_current_span("request"):
                values = case(client)
        else:
            values = case(client)
    finally:
        ff_otel.uninstall()
        api.clear_hooks()
        api.clear_providers()
    events = [(event.name, _typed(event.attributes)) for span in telemetry.spans() for event in span.events]
    events += [(f"span {span.name}", _typed(span.attributes)) for span in telemetry.spans() if span.name != "request"]
    logs = [(log.log_record.event_name, _typed(log.log_record.attributes)) for log in telemetry.logs()]
    return {"values": values, "events": events, "logs": logs, "metrics": _metric_points(reader) if install else []}


@pytest.mark.parametrize("options", list(OPTIONS))
@pytest.mark.parametrize("in_span", [True, False], ids=["in a span", "outside spans"])
@pytest.mark.parametrize("name", list(CASES))
def test_the_client_wrapper_records_what_the_hook_records(
    name: str, in_span: bool, options: str, telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = CASES[name]
    bare = _run(case, telemetry, install=False, in_span=in_span, options=options)
    wrapper = _run(case, telemetry, install=True, in_span=in_span, options=options)
    with monkeypatch.context() as unknown_sdk:
        unknown_sdk.setattr(_client_wrapper, "KNOWN_SDK_SERIES", ("99.",))
        hook = _run(case, telemetry, install=True, in_span=in_span, options=options)

    assert wrapper["values"] == hook["values"] == bare["values"]
    if OPTIONS[options].get("evaluation_spans"):
        # Evaluation spans (with their exception events) and log records in the span's context.
        own_spans = any(event.startswith("span ") for event, _ in wrapper["events"])
        assert own_spans == (in_span and name != "provider not ready")  # the SDK fails those before any start
        assert wrapper["events"] == hook["events"]
        assert wrapper["logs"] == hook["logs"]
        assert wrapper["metrics"] == hook["metrics"]
        return
    recorded = wrapper["events"] if in_span else wrapper["logs"]
    if name in ("provider errors, domain-bound provider", "application hooks that change the context or raise"):
        assert "exception" in [name for name, _ in recorded]  # what the provider or a hook raised
    event = "feature_flag" if OPTIONS[options].get("semconv") == "legacy" else "feature_flag.evaluation"
    evaluations = [name for name, _ in recorded if name == event]
    assert len(evaluations) >= len(bare["values"])  # every evaluation (a case may evaluate more than it returns)
    if "event_mutator" in OPTIONS[options]:  # on every evaluation, the first of a flag or a repeated one
        shaped = [attributes for name, attributes in recorded if name == "feature_flag.evaluation"]
        assert all("app.attribute_count" in [attribute for attribute, _, _ in one] for one in shaped)
    assert not (wrapper["logs"] if in_span else wrapper["events"])
    assert wrapper["events"] == hook["events"]
    assert wrapper["logs"] == hook["logs"]
    assert wrapper["metrics"] == hook["metrics"]
    if "meter_provider" not in OPTIONS[options]:
        requested = [value for metric, _, value in wrapper["metrics"] if metric.endswith("requests_total")]
        assert sum(requested) == len(evaluations)


def test_clients_made_before_install_are_recorded_too(telemetry: Telemetry, flags: None) -> None:
    early = api.get_client("made before install")
    ff_otel.install()
    with telemetry.tracer.start_as_current_span("request"):
        early.get_boolean_value("new-checkout", False)
    (span,) = telemetry.spans()
    assert [event.name for event in span.events] == ["feature_flag.evaluation"]


def test_an_unknown_sdk_falls_back_to_the_hook_and_says_so_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, hook_path: None
) -> None:
    monkeypatch.setattr(_recording_path, "_explained", False)
    with caplog.at_level(logging.INFO, logger="ff_otel"):
        first = ff_otel.install()
        ff_otel.uninstall()
        second = ff_otel.install()
    assert first.recording == second.recording == "hook"
    assert api.get_hooks() == [second.hook]
    explained = [record for record in caplog.records if "instead of its client wrapper" in record.getMessage()]
    assert len(explained) == 1
    assert "openfeature-sdk" in explained[0].getMessage()


def test_a_changed_evaluation_signature_falls_back_to_the_hook(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, flags: None
) -> None:
    original = OpenFeatureClient.evaluate_flag_details

    def evaluate_flag_details(self: OpenFeatureClient, *args: Any, **kwargs: Any) -> Any:  # a future SDK's shape
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OpenFeatureClient, "evaluate_flag_details", evaluate_flag_details)
    installation = ff_otel.install()
    assert installation.recording == "hook"
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True
    (span,) = telemetry.spans()
    assert len(span.events) == 1


def test_a_wrapper_added_over_ours_is_kept_and_nothing_is_recorded_twice(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, flags: None
) -> None:
    ff_otel.install()
    ours = OpenFeatureClient.evaluate_flag_details
    calls: list[str] = []

    def theirs(self: OpenFeatureClient, *args: Any, **kwargs: Any) -> Any:  # another library's instrumentation
        calls.append(args[1])
        return ours(self, *args, **kwargs)

    theirs.__wrapped__ = ours  # type: ignore[attr-defined]
    monkeypatch.setattr(OpenFeatureClient, "evaluate_flag_details", theirs)
    ff_otel.uninstall()
    assert OpenFeatureClient.evaluate_flag_details is theirs
    with telemetry.tracer.start_as_current_span("off"):
        api.get_client().get_boolean_value("new-checkout", False)
    ff_otel.install()  # takes over the wrapper still in the chain instead of adding a second one
    with telemetry.tracer.start_as_current_span("on"):
        api.get_client().get_boolean_value("new-checkout", False)

    assert calls == ["new-checkout", "new-checkout"]
    assert {span.name: len(span.events) for span in telemetry.spans()} == {"off": 0, "on": 1}


class BrokenLogger(Logger):
    """A logger whose every record fails: the application must not notice."""

    def emit(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("log pipeline broken")

    def enabled(self, **kwargs: Any) -> bool:
        return True


class BrokenLoggerProvider(LoggerProvider):
    def get_logger(self, name: str, *args: Any, **kwargs: Any) -> Logger:
        return BrokenLogger(name)


@pytest.mark.usefixtures("flags")
@pytest.mark.parametrize("path", ["client wrapper", "hook"])
def test_a_failure_inside_ff_otel_is_logged_once_and_the_value_is_unchanged(
    path: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "hook":
        monkeypatch.setattr(_client_wrapper, "KNOWN_SDK_SERIES", ("99.",))
    monkeypatch.setattr(_safe, "_reported", set())
    assert ff_otel.install(logger_provider=BrokenLoggerProvider()).recording == path
    with caplog.at_level(logging.DEBUG, logger="ff_otel"):
        assert api.get_client().get_boolean_value("new-checkout", False) is True
        assert api.get_client().get_boolean_value("new-checkout", False) is True
    failures = [record for record in caplog.records if "could not record" in record.getMessage()]
    assert [record.levelno for record in failures].count(logging.WARNING) == 1  # the second one only at DEBUG
    assert len(failures) >= 2
