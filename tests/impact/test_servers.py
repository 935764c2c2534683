"""Flag impact under real servers, read the way a team reads it: scraped by Prometheus, and received over OTLP.

Each framework serves a checkout whose `on` variant is slower (it sleeps past the 2.5 s bucket boundary) and
fails (an exception or a 503). Every variant's requests are counted exactly, `on` sits in the higher buckets,
and only `on` has `error.type`.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from ff_otel import _semconv as semconv
from sample_apps.demo.records import HistogramPoint
from tests._support.receiver import Receiver
from tests._support.servers import listening_socket, port_of
from tests._support.waiting import wait_until
from tests.e2e.servers import Deployment, Server
from tests.histograms import Series, cumulative
from tests.impact.apps.telemetry import PROMETHEUS_FD_ENV
from tests.impact_app import BETA, ORDERS, assert_checkout_impact, headers

pytestmark = pytest.mark.slow

PROMETHEUS_METRIC = "ff_otel_request_duration_seconds"
"""`ff_otel.request.duration` (unit `s`) as Prometheus names it."""
# Prometheus label names, back to attribute names.
LABELS = {
    "feature_flag_key": semconv.KEY,
    "feature_flag_result_variant": semconv.RESULT_VARIANT,
    "http_request_method": semconv.HTTP_REQUEST_METHOD,
    "http_route": semconv.HTTP_ROUTE,
    "http_response_status_code": semconv.HTTP_RESPONSE_STATUS_CODE,
    "error_type": semconv.ERROR_TYPE,
}
SLOW_BOUND = 2.5
"""The bucket boundary the slow variant's sleep passes."""


def _gunicorn(application: str) -> tuple[str, ...]:
    return ("gunicorn", "--bind", "fd://{fd}", "--workers", "1", "--worker-class", "gthread", "--threads",
            "16", "--graceful-timeout", "3", "--no-control-socket", application)  # fmt: skip


def _uvicorn(application: str) -> tuple[str, ...]:
    return ("uvicorn", "--fd", "{fd}", "--no-access-log", application)


# (deployment, the route the framework reports, the status the adapter saw for a view that raised)
DEPLOYMENTS = [
    pytest.param(
        Deployment("django-gunicorn", "django", _gunicorn("tests.impact.apps.django_site.wsgi:application"), 1),
        "checkout/<int:order>",
        500,
        id="django-gunicorn",
    ),
    pytest.param(
        Deployment("django-asgi-uvicorn", "django", _uvicorn("tests.impact.apps.django_site.asgi:application"), 1),
        "checkout/<int:order>",
        500,
        id="django-asgi-uvicorn",
    ),
    pytest.param(
        Deployment("flask-gunicorn", "flask", _gunicorn("tests.impact.apps.flask_app:app"), 1),
        "/checkout/<int:order>",
        500,
        id="flask-gunicorn",
    ),
    pytest.param(
        Deployment("fastapi-uvicorn", "fastapi", _uvicorn("tests.impact.apps.fastapi_app:app"), 1),
        "/checkout/{order}",
        None,  # Starlette's error handler answers 500 outside the middleware
        id="fastapi-uvicorn",
    ),
]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    found.start()
    try:
        yield found
    finally:
        found.stop()


class Metered:
    """A deployment running with its Prometheus endpoint, and the receiver its OTLP metrics go to."""

    def __init__(self, server: Server, prometheus_port: int, receiver: Receiver) -> None:
        self.server = server
        self.prometheus_url = f"http://127.0.0.1:{prometheus_port}/metrics"
        self.receiver = receiver

    def scrape(self) -> list[Series]:
        """The histogram's streams as Prometheus scrapes them from the app's `/metrics`."""
        with urllib.request.urlopen(self.prometheus_url, timeout=5) as response:
            text = response.read().decode()
        return _from_prometheus(text)

    def received(self) -> list[Series]:
        """The histogram's streams in the newest OTLP export (cumulative, so the newest holds everything)."""
        newest: dict[tuple[tuple[str, object], ...], HistogramPoint] = {}
        for point in self.receiver.histogram_points():
            if point.name == semconv.METRIC_REQUEST_DURATION:
                key = tuple(sorted(point.attributes.items()))
                if key not in newest or newest[key].time_ns <= point.time_ns:
                    newest[key] = point
        return [
            Series(dict(point.attributes), point.count, cumulative(point.explicit_bounds, point.bucket_counts))
            for point in newest.values()
        ]


@pytest.fixture
def metered(request: pytest.FixtureRequest, receiver: Receiver, tmp_path: Path) -> Iterator[Metered]:
    deployment: Deployment = request.param
    prometheus = listening_socket()
    prometheus_port = port_of(prometheus)
    environment = {
        PROMETHEUS_FD_ENV: str(prometheus.fileno()),
        "DJANGO_SETTINGS_MODULE": "tests.impact.apps.django_site.settings",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_METRIC_EXPORT_INTERVAL": "200",
        "PYTHONWARNINGS": "ignore::DeprecationWarning",
    }
    receiver.clear()
    server = Server(deployment, environment, tmp_path / f"{deployment.name}.log", extra_sockets=[prometheus])
    try:
        server.wait_until_serving()
        yield Metered(server, prometheus_port, receiver)
    finally:
        server.stop()


def _from_prometheus(text: str) -> list[Series]:
    found: dict[tuple[tuple[str, object], ...], dict[str, object]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != PROMETHEUS_METRIC:
            continue
        for sample in family.samples:
            labels = dict(sample.labels)
            bound = labels.pop("le", None)
            # An empty label is an absent one to Prometheus (the exporter writes every label of the family).
            attributes: dict[str, object] = {LABELS[k]: v for k, v in labels.items() if k in LABELS and v != ""}
            if semconv.HTTP_RESPONSE_STATUS_CODE in attributes:
                attributes[semconv.HTTP_RESPONSE_STATUS_CODE] = int(str(attributes[semconv.HTTP_RESPONSE_STATUS_CODE]))
            entry = found.setdefault(tuple(sorted(attributes.items())), {"attributes": attributes, "buckets": {}})
            if sample.name.endswith("_bucket") and bound != "+Inf":
                entry["buckets"][float(str(bound))] = int(sample.value)  # type: ignore[index]
            elif sample.name.endswith("_count"):
                entry["count"] = int(sample.value)
    return [
        Series(entry["attributes"], entry["count"], entry["buckets"])  # type: ignore[arg-type]
        for entry in found.values()
    ]


def _send(base_url: str, cohort: str, order: int) -> int:
    request = urllib.request.Request(f"{base_url}/checkout/{order}", headers=headers(cohort))
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _wait_for(read: Callable[[], list[Series]], requests: int, timeout: float = 20) -> list[Series]:
    """Read until the histogram counts every request sent (recording ends after the response is on its way)."""

    def counted() -> list[Series] | None:
        series = read()
        return series if sum(one.count for one in series) >= requests else None

    return wait_until(counted, timeout=timeout, what=f"the histogram to count {requests} requests")


@pytest.mark.parametrize(("metered", "route", "exception_status"), DEPLOYMENTS, indirect=["metered"])
def test_the_slow_failing_variant_shows_in_prometheus_and_otlp(
    metered: Metered, route: str, exception_status: int | None
) -> None:
    sent = [(cohort, order) for cohort, orders in ORDERS.items() for order in orders]
    with ThreadPoolExecutor(len(sent)) as pool:  # the slow requests wait side by side
        statuses = list(pool.map(lambda request: _send(metered.server.url, *request), sent))
    assert sorted(statuses) == sorted([200] * len(ORDERS["stable"]) + [500] * 3 + [503] * 3)

    for read in (metered.scrape, metered.received):
        series = _wait_for(read, len(sent))
        assert_checkout_impact(series, route=route, exception_status=exception_status)
        on = [one for one in series if one.variant == "on"]
        off = [one for one in series if one.variant == "off"]
        # The new checkout's every request is past the slow bound; the old one's are all within it.
        assert sum(one.count for one in on) == len(ORDERS[BETA])
        assert sum(one.faster_than(SLOW_BOUND) for one in on) == 0
        assert sum(one.faster_than(SLOW_BOUND) for one in off) == sum(one.count for one in off) == len(ORDERS["stable"])
