"""Flag impact in the core: what a request notes, what its end records, and the bounds on both."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.metrics import Histogram, Meter, NoOpHistogram, NoOpMeter, NoOpMeterProvider
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.util.types import Attributes

import ff_otel
from ff_otel import _impact
from ff_otel import _semconv as semconv
from ff_otel.integration import RequestScope, activate, split_options
from tests.conftest import Telemetry
from tests.histograms import BOUNDS, Series, Sink, from_reader

FLAG = "checkout-v2"


def _by_context(flag: InMemoryFlag[Any], context: EvaluationContext) -> FlagResolutionDetails[Any]:
    variant = str(context.attributes.get("variant", flag.default_variant))
    return FlagResolutionDetails(flag.variants.get(variant, False), variant=variant, reason=Reason.TARGETING_MATCH)


@pytest.fixture(autouse=True)
def provider() -> Iterator[None]:
    """`checkout-v2` resolves to the variant the invocation context names (any name: a bound must hold)."""
    variants = {"on": True, "off": False, **{f"v{n}": True for n in range(30)}}
    flags = {
        FLAG: InMemoryFlag("off", variants, context_evaluator=_by_context),
        "other": InMemoryFlag("a", {"a": 1, "b": 2}),
    }
    api.set_provider_and_wait(InMemoryProvider(flags))
    _impact.VARIANTS.forget()
    yield
    _impact.VARIANTS.forget()


@pytest.fixture
def sink() -> Sink:
    return Sink()


def _scope(sink: Sink | None, *, summary: bool = True, **values: Any) -> tuple[RequestScope, _impact.Impact | None]:
    """A request scope as an adapter opens one, with these options (the adapter's, and the core's)."""
    values.setdefault("impact_flags", [FLAG])
    if sink is not None:
        values.setdefault("meter_provider", sink.provider)
    options, adapter_options = split_options({"summary": summary, **values})
    activate(options)
    scope = RequestScope(object(), find_identity=lambda: None, options=adapter_options, core=options)
    return scope, _impact.impact_for(options, adapter_options)


def _request(
    sink: Sink,
    variants: Sequence[str | None] = ("on",),
    *,
    method: str | None = "GET",
    route: str | None = "/checkout",
    status: int | None = 200,
    error: BaseException | None = None,
    **values: Any,
) -> None:
    scope, _ = _scope(sink, **values)
    client = api.get_client()
    with scope:
        for variant in variants:
            context = EvaluationContext(attributes={} if variant is None else {"variant": variant})
            client.get_boolean_value(FLAG, False, context)
    scope.end(method, route, status, error)


def _only(sink: Sink) -> Series:
    series = sink.series()
    assert len(series) == 1, series
    return series[0]


def test_a_listed_flag_gets_the_request_duration_with_its_variant_and_the_http_attributes(
    sink: Sink,
) -> None:
    _request(sink)

    series = _only(sink)
    assert series.attributes == {
        "feature_flag.key": FLAG,
        "feature_flag.result.variant": "on",
        "http.request.method": "GET",
        "http.route": "/checkout",
        "http.response.status_code": 200,
    }
    assert series.count == 1
    assert (
        tuple(series.at_most) == BOUNDS == (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
    )
    data = sink.reader.get_metrics_data()
    assert data is not None
    units = {metric.name: metric.unit for scope in data.resource_metrics[0].scope_metrics for metric in scope.metrics}
    assert units["ff_otel.request.duration"] == "s"


def test_a_flag_evaluated_twice_counts_once_with_its_first_variant(sink: Sink) -> None:
    _request(sink, ["on", "off", "on", "off"])

    series = _only(sink)
    assert (series.variant, series.count) == ("on", 1)


def test_flags_not_listed_and_requests_without_a_listed_flag_record_nothing(sink: Sink) -> None:
    scope, _ = _scope(sink)
    with scope:
        api.get_client().get_integer_value("other", 0)
    scope.end("GET", "/", 200)
    _request(sink, [])

    assert sink.series() == []


def test_only_the_first_end_counts(sink: Sink) -> None:
    scope, _ = _scope(sink)
    with scope:
        api.get_client().get_boolean_value(FLAG, False)
    scope.end("GET", "/checkout", 200)
    scope.end("GET", "/checkout", 500, RuntimeError("later"))

    series = _only(sink)
    assert (series.count, series.attributes.get("error.type")) == (1, None)


class Checkout:
    class UnavailableError(RuntimeError):
        """A failure with a qualified name."""


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (503, None, "503"),
        (500, Checkout.UnavailableError("no stock"), "Checkout.UnavailableError"),
        (None, ValueError("before the response started"), "ValueError"),
        (404, None, None),
        (200, None, None),
    ],
)
def test_error_type_is_the_exception_type_else_the_status_code_of_a_5xx(
    sink: Sink, status: int | None, error: BaseException | None, expected: str | None
) -> None:
    _request(sink, status=status, error=error)

    attributes = _only(sink).attributes
    assert attributes.get("error.type") == expected
    assert attributes.get("http.response.status_code") == status


@pytest.mark.parametrize(
    ("method", "expected"), [("GET", "GET"), ("post", "POST"), ("PATCH", "PATCH"), ("BREW", "_OTHER"), (None, "_OTHER")]
)
def test_methods_outside_the_known_set_are_other(sink: Sink, method: str | None, expected: str) -> None:
    _request(sink, method=method, route=None)

    attributes = _only(sink).attributes
    assert attributes["http.request.method"] == expected
    assert "http.route" not in attributes


def test_variants_past_the_bound_are_other(sink: Sink) -> None:
    for variant in ["v1", "v2", "v3", "v1", "v4", "v2"]:
        _request(sink, [variant], max_impact_variants=2)

    counts = {series.variant: series.count for series in sink.series()}
    assert counts == {"v1": 2, "v2": 2, "_OTHER": 2}


def test_the_variant_bound_holds_across_threads_and_apps() -> None:
    bound = _impact.VariantBound()
    admitted: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def admit(worker: int) -> None:
        barrier.wait()
        for n in range(50):
            got = bound.admit(FLAG, f"w{worker}-v{n % 25}", 10)
            with lock:
                admitted.append(got)

    threads = [threading.Thread(target=admit, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(set(admitted) - {"_OTHER"}) == 10
    assert len(admitted) == 400
    assert bound.admit("another-flag", "x", 10) == "x"  # the bound is per flag


def test_two_apps_share_one_bound_per_flag() -> None:
    sinks = [Sink(), Sink()]
    for sink, variant in zip(sinks, ["v1", "v2"], strict=True):
        _request(sink, [variant], max_impact_variants=1)

    assert [series.variant for sink in sinks for series in sink.series()] == ["v1", "_OTHER"]


@pytest.mark.parametrize(
    ("value", "options", "expected"),
    [
        (25, {}, "25"),
        (True, {}, "true"),
        (0.5, {}, "0.5"),
        ("x" * 500, {"max_value_length": 40}, "x" * 40),
        ({"b": 1, "a": [2]}, {}, '{"a":[2],"b":1}'),
        (25, {"capture_value": "never"}, None),
        (25, {"value_denylist": [FLAG]}, None),
        (25, {"redact": lambda key, value: "redacted"}, "redacted"),
    ],
)
def test_without_a_variant_the_value_stands_for_it_as_far_as_the_value_policy_allows(
    sink: Sink, value: object, options: dict[str, Any], expected: str | None
) -> None:
    scope, _ = _scope(sink, **options)
    with scope:
        ff_otel.record_evaluation(FLAG, value, reason="targeting_match")
    scope.end("GET", "/checkout", 200)

    assert _only(sink).variant == expected


def test_sampling_and_evaluation_metrics_do_not_matter(sink: Sink) -> None:
    tracer = TracerProvider(sampler=ALWAYS_OFF).get_tracer("tests")
    with tracer.start_as_current_span("unsampled"):
        _request(sink, ["on"], metrics=False, summary=False)
    _request(sink, ["off"], metrics=False, log_outside_spans=False)

    assert {series.variant: series.count for series in sink.series()} == {"on": 1, "off": 1}


def test_nested_contexts_and_direct_transaction_contexts_belong_to_the_request(sink: Sink) -> None:
    nested, _ = _scope(sink)
    with nested, ff_otel.evaluation_context("user-7", attributes={"variant": "v1"}):
        api.get_client().get_boolean_value(FLAG, False)
    nested.end("GET", "/nested", 200)
    direct, _ = _scope(sink)
    with direct:
        api.set_transaction_context(EvaluationContext("user-8", {"variant": "v2"}))
        api.get_client().get_boolean_value(FLAG, False)
    direct.end("GET", "/direct", 200)

    assert {series.attributes["http.route"]: series.variant for series in sink.series()} == {
        "/nested": "v1",
        "/direct": "v2",
    }


def test_the_global_meter_provider_is_used_without_one_in_the_options(telemetry: Telemetry, sink: Sink) -> None:
    def requests() -> int:
        series = from_reader(telemetry.metric_reader)
        return sum(one.count for one in series if one.attributes.get("http.route") == "/global")

    before = requests()
    _request(sink, route="/global", meter_provider=None)

    assert requests() == before + 1
    assert sink.series() == []


def test_nothing_at_all_without_impact_flags(sink: Sink) -> None:
    scope, impact = _scope(sink, impact_flags=(), summary=False)
    assert impact is None
    assert scope.state is None
    with scope:
        api.get_client().get_boolean_value(FLAG, False)
    scope.end("GET", "/checkout", 200)

    assert sink.series() == []


class _Meter(NoOpMeter):
    """A meter from some other OpenTelemetry implementation: an older instrument signature, instruments that fail."""

    def create_histogram(self, name: str, unit: str = "", description: str = "") -> Histogram:  # type: ignore[override]
        return _FailingHistogram(name)


class _FailingHistogram(NoOpHistogram):
    def record(self, amount: float, attributes: Attributes = None, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the metrics backend is gone")


class _MeterProvider(NoOpMeterProvider):
    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Meter:
        return _Meter(name)


class _BrokenMeterProvider(NoOpMeterProvider):
    def get_meter(self, name: str, *args: Any, **kwargs: Any) -> Meter:
        raise RuntimeError("no meters today")


@pytest.mark.parametrize(
    "meter_provider",
    [NoOpMeterProvider(), _MeterProvider(), _BrokenMeterProvider()],
    ids=["no-op", "failing-instruments", "failing-meters"],
)
def test_any_meter_provider_works_and_a_failing_one_never_reaches_the_request(
    meter_provider: Any, caplog: pytest.LogCaptureFixture
) -> None:
    scope, _ = _scope(None, meter_provider=meter_provider, metrics=False)  # the impact histogram alone
    with caplog.at_level(logging.WARNING, logger="ff_otel"), scope:
        value = api.get_client().get_boolean_value(FLAG, False, EvaluationContext(attributes={"variant": "on"}))
    scope.end("GET", "/checkout", 200)

    assert value is True
    failures = [record for record in caplog.records if "flag impact" in record.getMessage()]
    assert len(failures) == (0 if type(meter_provider) is NoOpMeterProvider else 1)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"impact_flags": "checkout-v2"}, TypeError),
        ({"impact_flags": [1]}, TypeError),
        ({"impact_flags": None}, TypeError),
        ({"max_impact_variants": 0}, ValueError),
        ({"max_impact_variants": True}, ValueError),
        ({"max_impact_variants": "10"}, ValueError),
    ],
)
def test_bad_impact_options_are_rejected_when_made(values: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match=next(iter(values))):
        ff_otel.split_options(values)


def test_impact_options_are_adapter_options() -> None:
    _, adapter_options = ff_otel.split_options({"impact_flags": ["a", "b", "a"], "max_impact_variants": 3})
    assert (adapter_options.impact_flags, adapter_options.max_impact_variants) == (frozenset({"a", "b"}), 3)
    assert ff_otel.AdapterOptions().impact_flags == frozenset()
    assert ff_otel.AdapterOptions().max_impact_variants == 10


def test_the_names_are_the_conventions() -> None:
    assert semconv.HTTP_REQUEST_METHOD == "http.request.method"
    assert semconv.HTTP_ROUTE == "http.route"
    assert semconv.HTTP_RESPONSE_STATUS_CODE == "http.response.status_code"
    assert semconv.METRIC_REQUEST_DURATION == "ff_otel.request.duration"


def test_an_odd_variant_is_recorded_valid_and_capped(sink: Sink) -> None:
    scope, _ = _scope(sink, max_value_length=40)
    with scope:
        ff_otel.record_evaluation(FLAG, True, variant="\ud800" + "v" * 1000)
    scope.end("GET", "/checkout", 200)

    variant = _only(sink).variant
    assert len(variant) == 40
    variant.encode()  # valid UTF-8: OTLP would drop the attribute otherwise
