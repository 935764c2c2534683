"""The cost of flag impact: an instrumented request through ff-otel's adapter, with 0, 1 and 5 impact flags listed.

Every case is OpenTelemetry's instrumentation of the framework plus ff-otel's adapter with default options, all
recording into one real SDK meter provider, as in an application that collects metrics (which impact needs).
Target: each listed flag costs at most 3% of the request with none listed; with none listed, impact does no
work at all. The target figure comes from the three cases' requests interleaved in one loop, so that they share
the machine's load (the median of each round's ratio to the baseline); the pytest-benchmark table shows each
case on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import flask
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.test.utils import override_settings
from fastapi import FastAPI
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader

from benchmarks import _django_app
from benchmarks._callers import asgi_sender, wsgi_sender
from benchmarks._flags import EXPECTED, FLAGS, evaluate_flags
from benchmarks._requests import FF_OTEL, PATH, Send, Traces, check_recorded
from ff_otel.integration import semconv
from ff_otel_asgi import FeatureFlagMiddleware
from ff_otel_flask import FeatureFlags

LISTED = {"none listed": 0, "1 impact flag": 1, "5 impact flags": 5}
"""Each case, and how many of the endpoint's five flags it lists as impact flags."""
BASELINE = "none listed"
ROUNDS = 3000
"""Requests per case in the interleaved measurement (benchmarks enabled); one otherwise, as a smoke test."""
WARM_UP = 50

_NO_NATIVE_TRACING: dict[str, Any] = (
    {"telemetry": {"tracing": False}} if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {}
)


class Telemetry:
    """The tracer provider of the request spans, and one meter provider for the instrumentation and ff-otel."""

    def __init__(self) -> None:
        self.traces = Traces()
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def options(self, listed: int) -> dict[str, Any]:
        """ff-otel's default options, with the providers and the first `listed` flags as impact flags."""
        return {
            "tracer_provider": self.traces.tracer_provider,
            "meter_provider": self.meter_provider,
            "impact_flags": list(FLAGS)[:listed],
        }

    def impact_records(self) -> int:
        data = self.reader.get_metrics_data()
        points = [
            point
            for resource in (data.resource_metrics if data else [])
            for scope in resource.scope_metrics
            for metric in scope.metrics
            if metric.name == semconv.METRIC_REQUEST_DURATION
            for point in metric.data.data_points
        ]
        return sum(point.count for point in points if isinstance(point, HistogramDataPoint))


Builder = Callable[[Telemetry, Sequence[int]], contextlib.AbstractContextManager[list[Send]]]


@contextlib.contextmanager
def _django(telemetry: Telemetry, listed: Sequence[int]) -> Iterator[list[Send]]:
    """One instrumented Django handler per entry of `listed`, built while its `FF_OTEL` is in force."""
    with override_settings(
        ROOT_URLCONF=_django_app.__name__,
        MIDDLEWARE=[*_django_app.BASE_MIDDLEWARE, _django_app.ADAPTER],
        ALLOWED_HOSTS=["127.0.0.1"],
        DEBUG=False,
    ):
        instrumentor = DjangoInstrumentor()
        # Inserts OpenTelemetry's middleware first in MIDDLEWARE, as in an instrumented project.
        instrumentor.instrument(
            tracer_provider=telemetry.traces.tracer_provider, meter_provider=telemetry.meter_provider
        )
        try:
            senders = []
            for count in listed:
                with override_settings(MIDDLEWARE=list(settings.MIDDLEWARE), FF_OTEL=telemetry.options(count)):
                    senders.append(wsgi_sender(WSGIHandler()))  # the middleware chain is built now
            yield senders
        finally:
            instrumentor.uninstrument()


@contextlib.contextmanager
def _flask(telemetry: Telemetry, listed: Sequence[int]) -> Iterator[list[Send]]:
    apps = []
    for count in listed:
        app = flask.Flask("ff_otel_impact_benchmarks")
        app.secret_key = "ff-otel-benchmarks-not-a-real-secret"
        app.add_url_rule(PATH, "flags", evaluate_flags)
        FlaskInstrumentor().instrument_app(  # type: ignore[no-untyped-call]
            app, tracer_provider=telemetry.traces.tracer_provider, meter_provider=telemetry.meter_provider
        )
        FeatureFlags(app, **telemetry.options(count))
        apps.append(app)
    try:
        yield [wsgi_sender(app) for app in apps]
    finally:
        for app in apps:
            FlaskInstrumentor().uninstrument_app(app)  # type: ignore[no-untyped-call]


@contextlib.contextmanager
def _fastapi(telemetry: Telemetry, listed: Sequence[int]) -> Iterator[list[Send]]:
    apps = []
    for count in listed:
        app = FastAPI(**_NO_NATIVE_TRACING)

        @app.get(PATH)
        async def flags() -> dict[str, Any]:
            return evaluate_flags()

        FastAPIInstrumentor.instrument_app(
            app, tracer_provider=telemetry.traces.tracer_provider, meter_provider=telemetry.meter_provider
        )
        app.add_middleware(FeatureFlagMiddleware, **telemetry.options(count))
        apps.append(app)
    loop = asyncio.new_event_loop()
    try:
        yield [asgi_sender(app, loop) for app in apps]
    finally:
        loop.close()
        for app in apps:
            FastAPIInstrumentor.uninstrument_app(app)


BUILDERS: dict[str, Builder] = {"Django": _django, "Flask": _flask, "FastAPI": _fastapi}


def _check(send: Send, telemetry: Telemetry) -> None:
    """One request answers the flags and is traced as an instrumented request through the adapter."""
    assert json.loads(send()) == EXPECTED
    check_recorded(FF_OTEL, telemetry.traces.spans())
    telemetry.traces.clear()


@pytest.mark.usefixtures("five_flags")
@pytest.mark.parametrize("case", list(LISTED))
@pytest.mark.parametrize("framework", list(BUILDERS))
def test_impact(benchmark: Any, framework: str, case: str) -> None:
    telemetry = Telemetry()
    listed = LISTED[case]
    with BUILDERS[framework](telemetry, [listed]) as (send,):
        benchmark.group = f"impact per request, {framework}"
        benchmark.extra_info.update(case=case, baseline=case == BASELINE)
        _check(send, telemetry)
        assert telemetry.impact_records() == listed  # one record per listed flag, none with none listed

        def one_request() -> None:
            send()
            telemetry.traces.clear()

        benchmark(one_request)


@pytest.mark.usefixtures("five_flags")
@pytest.mark.parametrize("framework", list(BUILDERS))
def test_impact_cost_per_listed_flag(
    framework: str, request: pytest.FixtureRequest, report: Callable[[str], None]
) -> None:
    disabled = request.config.getoption("benchmark_disable") and not request.config.getoption("benchmark_enable")
    rounds = 1 if disabled else ROUNDS
    telemetry = Telemetry()
    timings: dict[str, list[int]] = {case: [] for case in LISTED}
    with BUILDERS[framework](telemetry, list(LISTED.values())) as senders:
        cases = list(zip(LISTED, senders, strict=True))
        for _case, send in cases:
            _check(send, telemetry)
        assert telemetry.impact_records() == sum(LISTED.values())
        for _ in range(WARM_UP):
            for _case, send in cases:
                send()
                telemetry.traces.clear()
        for n in range(rounds):
            for case, send in cases[n % 3 :] + cases[: n % 3]:  # no case always first
                started = time.perf_counter_ns()
                send()
                timings[case].append(time.perf_counter_ns() - started)
                telemetry.traces.clear()
    # Each round's time against the baseline's in the same round, then the median: robust to the load drifting.
    baseline = timings[BASELINE]
    ratios = {
        case: statistics.median(t / b for t, b in zip(values, baseline, strict=True))
        for case, values in timings.items()
    }
    per_flag = (ratios["5 impact flags"] - 1) / 5
    one_flag = ratios["1 impact flag"] - 1
    report(
        f"impact, {framework}: {per_flag:+.1%} of an instrumented request per listed flag with 5 listed, "
        f"{one_flag:+.1%} with 1 listed (target <= 3%; {rounds} interleaved rounds)"
    )
