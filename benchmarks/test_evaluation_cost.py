"""The cost of one OpenFeature evaluation with ff-otel's hook, against the bare SDK and the alternatives.

Settings: inside a sampled span, inside an unsampled span, and with no OpenTelemetry SDK at all.
Targets: sampled, ff-otel within 5% of the floor (a do-nothing hook plus one `add_event` with the same
attributes) and below TracingHook; unsampled or no SDK, within 3% of a do-nothing hook.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pytest
from openfeature import api
from openfeature.contrib.hook.opentelemetry import TracingHook
from openfeature.flag_evaluation import FlagEvaluationDetails
from openfeature.hook import Hook, HookContext, HookHints
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

import ff_otel

FLAG = "new-checkout"


class DoNothingHook(Hook):
    """The SDK's own cost of having a hook at all."""


class FloorHook(Hook):
    """A do-nothing hook plus the one `add_event` that ff-otel makes, with its attributes ready-made."""

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes

    def finally_after(self, hook_context: HookContext, details: FlagEvaluationDetails[Any], hints: HookHints) -> None:
        trace.get_current_span().add_event("feature_flag.evaluation", self.attributes)


FF_OTEL_ATTRIBUTES = {
    "feature_flag.key": FLAG,
    "feature_flag.result.variant": "on",
    "feature_flag.result.reason": "static",
    "feature_flag.provider.name": "In-Memory Provider",
    "feature_flag.context.id": "user-42",
}

SETTINGS: dict[str, Callable[[], AbstractContextManager[Any]]] = {
    "sampled span": lambda: TracerProvider(sampler=ALWAYS_ON).get_tracer("b").start_as_current_span("request"),
    "unsampled span": lambda: TracerProvider(sampler=ALWAYS_OFF).get_tracer("b").start_as_current_span("request"),
    "no SDK": nullcontext,
}


def _ff_otel(**options: Any) -> Callable[[], None]:
    def install() -> None:
        # Keep every event, as the floor does, so both pay for the same number of add_event calls.
        ff_otel.install(max_events_per_span=None, metrics=False, **options)

    return install


CASES: dict[str, Callable[[], None]] = {
    "bare": lambda: None,
    "do-nothing hook": lambda: api.add_hooks([DoNothingHook()]),
    "ff-otel latest": _ff_otel(semconv="latest"),
    "ff-otel legacy": _ff_otel(semconv="legacy"),
    "ff-otel both": _ff_otel(semconv="both"),
    "TracingHook": lambda: api.add_hooks([TracingHook()]),
    "floor: hook + add_event": lambda: api.add_hooks([FloorHook(FF_OTEL_ATTRIBUTES)]),
}


@pytest.fixture(autouse=True)
def _provider() -> Iterator[None]:
    api.set_provider_and_wait(InMemoryProvider({FLAG: InMemoryFlag("on", {"on": True, "off": False})}))
    yield
    ff_otel.uninstall()
    api.clear_hooks()
    api.clear_providers()


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("setting", list(SETTINGS))
def test_evaluation(benchmark: Any, setting: str, case: str) -> None:
    benchmark.group = f"per evaluation, {setting}"
    benchmark.extra_info.update(case=case, baseline=case == "bare")
    CASES[case]()
    client = api.get_client()
    with SETTINGS[setting](), ff_otel.evaluation_context("user-42"):
        assert benchmark(client.get_boolean_value, FLAG, False) is True
