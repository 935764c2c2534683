"""Evaluation metrics with low-cardinality attributes only."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import threading
from typing import Any

import pytest
from openfeature import api
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData

import ff_otel


def _points(data: MetricsData | None) -> dict[str, list[tuple[dict[str, object], float]]]:
    found: dict[str, list[tuple[dict[str, object], float]]] = {}
    assert data is not None
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                for point in metric.data.data_points:
                    value = getattr(point, "value", None)
                    if value is None:
                        value = point.count  # type: ignore[union-attr]
                    found.setdefault(metric.name, []).append((dict(point.attributes or {}), value))
    return found


@pytest.mark.usefixtures("flags")
def test_counters_and_duration_with_low_cardinality_attributes() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]), duration_histogram=True)
    client = api.get_client()
    with ff_otel.evaluation_context("user-1"):
        client.get_boolean_value("new-checkout", False)
        client.get_boolean_value("new-checkout", False)
        client.get_boolean_value("no-such-flag", False)

    points = _points(reader.get_metrics_data())
    ok = {
        "feature_flag.key": "new-checkout",
        "feature_flag.result.variant": "on",
        "feature_flag.result.reason": "static",
        "feature_flag.provider.name": "In-Memory Provider",
    }
    failed = {
        "feature_flag.key": "no-such-flag",
        "feature_flag.result.reason": "error",
        "feature_flag.provider.name": "In-Memory Provider",
        "error.type": "flag_not_found",
    }
    assert sorted(points["feature_flag.evaluation_requests_total"], key=str) == sorted([(ok, 2), (failed, 1)], key=str)
    assert points["feature_flag.evaluation_success_total"] == [(ok, 2)]
    assert points["feature_flag.evaluation_error_total"] == [(failed, 1)]
    assert points["feature_flag.evaluation_active_count"] == [({}, 0)]
    assert sorted(count for _, count in points["feature_flag.evaluation.duration"]) == [1, 2]
    every_attribute = {key for series in points.values() for attributes, _ in series for key in attributes}
    assert "feature_flag.context.id" not in every_attribute
    assert "feature_flag.result.value" not in every_attribute


@pytest.mark.usefixtures("flags")
def test_metrics_can_be_turned_off() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]), metrics=False)
    api.get_client().get_boolean_value("new-checkout", False)
    data = reader.get_metrics_data()
    assert data is None or _points(data) == {}


@pytest.mark.usefixtures("flags")
def test_the_duration_histogram_is_opt_in() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    api.get_client().get_boolean_value("new-checkout", False)
    points = _points(reader.get_metrics_data())
    assert "feature_flag.evaluation.duration" not in points
    assert [count for _, count in points["feature_flag.evaluation_requests_total"]] == [1]


@pytest.mark.usefixtures("flags", "hook_path")
def test_the_hook_path_counts_the_same() -> None:
    reader = InMemoryMetricReader()
    assert ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader])).recording == "hook"
    api.get_client().get_boolean_value("new-checkout", False)
    api.get_client().get_boolean_value("no-such-flag", False)
    points = _points(reader.get_metrics_data())
    assert sorted(count for _, count in points["feature_flag.evaluation_requests_total"]) == [1, 1]
    assert points["feature_flag.evaluation_active_count"] == [({}, 0)]


@pytest.mark.usefixtures("flags")
def test_totals_are_exact_across_threads_and_collections() -> None:
    reader = InMemoryMetricReader()
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    client = api.get_client()
    per_thread, threads = 500, 8
    start = threading.Barrier(threads)

    def evaluate() -> None:
        start.wait()
        for _ in range(per_thread):
            client.get_boolean_value("new-checkout", False)

    workers = [threading.Thread(target=evaluate) for _ in range(threads)]
    for worker in workers:
        worker.start()
    totals = []
    for worker in workers:
        worker.join()
        totals.append(_points(reader.get_metrics_data())["feature_flag.evaluation_requests_total"][0][1])
    assert totals == sorted(totals)  # cumulative while the threads run
    assert totals[-1] == per_thread * threads
    assert _points(reader.get_metrics_data())["feature_flag.evaluation_success_total"][0][1] == per_thread * threads


def test_evaluations_under_way_are_counted_while_the_provider_answers() -> None:
    reader = InMemoryMetricReader()
    entered, release = threading.Event(), threading.Event()

    class SlowProvider(InMemoryProvider):
        def resolve_boolean_details(self, *args: Any, **kwargs: Any) -> FlagResolutionDetails[bool]:
            entered.set()
            release.wait(10)
            return super().resolve_boolean_details(*args, **kwargs)

    api.set_provider_and_wait(SlowProvider({"slow": InMemoryFlag("on", {"on": True, "off": False})}))
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))
    worker = threading.Thread(target=api.get_client().get_boolean_value, args=("slow", False))
    worker.start()
    try:
        assert entered.wait(10)
        assert _points(reader.get_metrics_data())["feature_flag.evaluation_active_count"] == [({}, 1)]
    finally:
        release.set()
        worker.join()
    assert _points(reader.get_metrics_data())["feature_flag.evaluation_active_count"] == [({}, 0)]


def test_names_are_cleaned_and_cut_once_per_series_and_series_that_meet_are_summed() -> None:
    reader = InMemoryMetricReader()
    long_key = "k" * 40
    variants = {"variant-a-" + "x" * 20: True, "variant-b-" + "x" * 20: False}
    api.set_provider_and_wait(
        InMemoryProvider(
            {
                long_key + "-one": InMemoryFlag("variant-a-" + "x" * 20, variants),
                long_key + "-two": InMemoryFlag("variant-b-" + "x" * 20, variants),
            }
        )
    )
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]), max_value_length=8)
    client = api.get_client()
    client.get_boolean_value(long_key + "-one", False)
    client.get_boolean_value(long_key + "-two", False)
    points = _points(reader.get_metrics_data())
    assert points["feature_flag.evaluation_requests_total"] == [
        (
            {
                "feature_flag.key": "kkkkkkkk",
                "feature_flag.result.variant": "variant-",
                "feature_flag.result.reason": "static",
                "feature_flag.provider.name": "In-Memor",
            },
            2,
        )
    ]


@pytest.mark.usefixtures("flags")
def test_totals_go_on_across_installations_on_the_same_meter_provider() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    ff_otel.install(meter_provider=provider)
    api.get_client().get_boolean_value("new-checkout", False)
    ff_otel.uninstall()
    ff_otel.install(meter_provider=provider, semconv="both", duration_histogram=True)
    api.get_client().get_boolean_value("new-checkout", False)
    points = _points(reader.get_metrics_data())
    assert [count for _, count in points["feature_flag.evaluation_requests_total"]] == [2]
    assert [count for _, count in points["feature_flag.evaluation.duration"]] == [1]


class _WaitingProvider(InMemoryProvider):
    """Resolves asynchronously only once released: an evaluation to cancel while it is under way."""

    def __init__(self) -> None:
        super().__init__({"new-checkout": InMemoryFlag("on", {"on": True, "off": False})})
        self.resolving = asyncio.Event()

    async def resolve_boolean_details_async(self, *args: Any, **kwargs: Any) -> FlagResolutionDetails[bool]:
        self.resolving.set()
        await asyncio.Event().wait()  # never released
        raise AssertionError("unreachable")


def test_a_cancelled_evaluation_is_no_longer_under_way() -> None:
    reader = InMemoryMetricReader()
    provider = _WaitingProvider()
    api.set_provider_and_wait(provider)
    ff_otel.install(meter_provider=MeterProvider(metric_readers=[reader]))

    async def cancel_one() -> None:
        task = asyncio.create_task(api.get_client().get_boolean_value_async("new-checkout", False))
        await provider.resolving.wait()
        assert _points(reader.get_metrics_data())["feature_flag.evaluation_active_count"] == [({}, 1)]
        task.cancel()
        with contextlib.suppress(BaseException):  # the SDK's own cleanup may fail on the cancellation too
            await task

    asyncio.run(cancel_one())
    assert _points(reader.get_metrics_data())["feature_flag.evaluation_active_count"] == [({}, 0)]


_SET_WHILE_RESOLVING = """
from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
import ff_otel

reader = InMemoryMetricReader()


class SettingProvider(InMemoryProvider):
    resolved = 0

    def resolve_boolean_details(self, *args, **kwargs):
        self.resolved += 1
        if self.resolved == 3:  # the application configures its meter provider meanwhile
            metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        return super().resolve_boolean_details(*args, **kwargs)


api.set_provider_and_wait(SettingProvider({"new-checkout": InMemoryFlag("on", {"on": True, "off": False})}))
ff_otel.install()
with TracerProvider().get_tracer("test").start_as_current_span("request"):
    for _ in range(5):
        api.get_client().get_boolean_value("new-checkout", False)
data = reader.get_metrics_data()
print(sum(
    point.value
    for resource in data.resource_metrics
    for scope in resource.scope_metrics
    for metric in scope.metrics
    if metric.name == "feature_flag.evaluation_requests_total"
    for point in metric.data.data_points
))
"""


def test_an_evaluation_under_way_when_the_meter_provider_is_set_counts_as_on_every_path() -> None:
    # The global meter provider can be set once per process: in a process of its own. The evaluation that set it
    # and the two after it are counted, whichever way each was recorded (the third's outcome was seen before).
    result = subprocess.run([sys.executable, "-c", _SET_WHILE_RESOLVING], check=True, capture_output=True, text=True)
    assert result.stdout.split() == ["3"]


def test_each_apps_length_limit_applies_to_its_own_series_only() -> None:
    reader = InMemoryMetricReader()
    meter_provider = MeterProvider(metric_readers=[reader])
    long_key = "checkout-experiment-2026-variant-a"
    api.set_provider_and_wait(InMemoryProvider({long_key: InMemoryFlag("on", {"on": True, "off": False})}))
    ff_otel.install(meter_provider=meter_provider)
    client = api.get_client()
    client.get_boolean_value(long_key, False)
    # Another app in the process, on the same meter provider, with a shorter limit.
    short = ff_otel.Options(meter_provider=meter_provider, max_value_length=16)
    with ff_otel.RequestScope(None, find_identity=lambda: None, options=ff_otel.AdapterOptions(), core=short):
        client.get_boolean_value(long_key, False)
    client.get_boolean_value(long_key, False)

    keys = {
        attributes["feature_flag.key"]: count
        for attributes, count in _points(reader.get_metrics_data())["feature_flag.evaluation_requests_total"]
    }
    assert keys == {long_key: 2, long_key[:16]: 1}
