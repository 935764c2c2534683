"""Per-evaluation cases: one OpenFeature evaluation, bare and with each way of recording it.

Settings: inside a sampled span, inside an unsampled span, and with no OpenTelemetry SDK. Evaluations run 20 to a
span (a request evaluating many flags), so the default `max_events_per_span` keeps every one an event; starting
and ending the span is not timed.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from openfeature import api
from openfeature.contrib.hook.opentelemetry import TracingHook
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.hook import Hook
from openfeature.provider import FeatureProvider
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON
from opentelemetry.trace import Tracer

import ff_otel
from benchmarks._interleave import Batch, Case
from ff_otel import _client_wrapper

FLAG = "new-checkout"
PER_SPAN = 20
FLAGD_FLAGS = Path(__file__).resolve().parents[1] / "tests" / "core" / "flagd_flags.json"

BARE = "bare evaluation"
DO_NOTHING_HOOK = "do-nothing hook (the SDK's cost of any hook)"
TRACING_HOOK = "openfeature-hooks-opentelemetry TracingHook"
DEFAULT = "ff-otel, default options"
WITH_METRICS = "ff-otel, default options, SDK MeterProvider"
WITH_HISTOGRAM = "ff-otel, SDK MeterProvider, `duration_histogram=True`"
NO_METRICS = "ff-otel, `metrics=False`"
HOOK_FALLBACK = "ff-otel through its fallback hook (an unknown SDK)"

SETTINGS = ("sampled span", "unsampled span", "no SDK")


@functools.cache
def _tracer(setting: str) -> Tracer | None:
    if setting == "no SDK":
        return None
    sampler = ALWAYS_ON if setting == "sampled span" else ALWAYS_OFF
    return TracerProvider(sampler=sampler, shutdown_on_exit=False).get_tracer("benchmarks")


def _install(**options: Any) -> Callable[[], None]:
    def install() -> None:
        ff_otel.install(**options)

    return install


@functools.cache
def _meter_provider() -> MeterProvider:
    return MeterProvider(metric_readers=[InMemoryMetricReader()], shutdown_on_exit=False)


def _metrics(**options: Any) -> Callable[[], None]:
    def install() -> None:
        ff_otel.install(meter_provider=_meter_provider(), **options)

    return install


def _through_hook() -> None:
    known = _client_wrapper.KNOWN_SDK_SERIES
    _client_wrapper.KNOWN_SDK_SERIES = ("unknown",)  # the SDK looks like a release the wrapper does not know
    try:
        ff_otel.install()
    finally:
        _client_wrapper.KNOWN_SDK_SERIES = known


SET_UPS: dict[str, Callable[[], None]] = {
    BARE: lambda: None,
    DO_NOTHING_HOOK: lambda: api.add_hooks([Hook()]),
    TRACING_HOOK: lambda: api.add_hooks([TracingHook()]),
    DEFAULT: _install(),
    WITH_METRICS: _metrics(),
    NO_METRICS: _install(metrics=False),
    WITH_HISTOGRAM: _metrics(duration_histogram=True),
    HOOK_FALLBACK: _through_hook,
}


def in_memory_provider() -> FeatureProvider:
    return InMemoryProvider({FLAG: InMemoryFlag("on", {"on": True, "off": False})})


def flagd_provider() -> FeatureProvider:
    return FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=str(FLAGD_FLAGS))


PROVIDERS: dict[str, Callable[[], FeatureProvider]] = {"InMemoryProvider": in_memory_provider, "flagd": flagd_provider}


def case(set_up: Callable[[], None], setting: str, spans: int) -> Case:
    """One row of one setting: `spans` spans of `PER_SPAN` evaluations each, evaluations timed."""

    @contextlib.contextmanager
    def run() -> Iterator[Batch]:
        set_up()
        tracer = _tracer(setting)
        client = api.get_client()
        with ff_otel.evaluation_context("user-42", attributes={"email": "ada@example.com"}):
            if client.get_boolean_value(FLAG, False) is not True:
                raise AssertionError("the provider did not serve the flag")

        def batch() -> float:
            spent = 0.0
            with ff_otel.evaluation_context("user-42", attributes={"email": "ada@example.com"}):
                for _ in range(spans):
                    with tracer.start_as_current_span("request") if tracer else contextlib.nullcontext():
                        start = time.perf_counter()
                        for _ in range(PER_SPAN):
                            client.get_boolean_value(FLAG, False)
                        spent += time.perf_counter() - start
            return spent

        try:
            yield batch
        finally:
            ff_otel.uninstall()
            api.clear_hooks()

    return run
