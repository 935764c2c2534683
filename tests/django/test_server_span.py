"""The server span ff-otel starts for Django is the one OpenTelemetry's WSGI/ASGI middleware would start."""

from __future__ import annotations

import pytest
from django.test import Client
from opentelemetry.instrumentation.utils import suppress_http_instrumentation
from opentelemetry.sdk.metrics.export import HistogramDataPoint
from opentelemetry.trace import StatusCode

from tests.conftest import Telemetry
from tests.django.conftest import DjangoSettings, Site
from tests.django.impact_urls import BrokenOffError

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]


def _duration_points(telemetry: Telemetry) -> dict[str, list[HistogramDataPoint]]:
    data = telemetry.metric_reader.get_metrics_data()
    found: dict[str, list[HistogramDataPoint]] = {}
    for resource in data.resource_metrics if data else ():
        for scope in resource.scope_metrics:
            if scope.scope.name != "ff_otel_django":
                continue
            for metric in scope.metrics:
                found[metric.name] = [p for p in metric.data.data_points if isinstance(p, HistogramDataPoint)]
    return found


async def test_its_own_server_span_records_the_http_server_duration_metric(site: Site, telemetry: Telemetry) -> None:
    before = {name: sum(p.count for p in points) for name, points in _duration_points(telemetry).items()}

    await site.get("/items/7/")
    await site.get("/items/8/")

    after = _duration_points(telemetry)
    assert "http.server.duration" in after  # contrib's metric in the default HTTP semconv mode
    counts = {name: sum(p.count for p in points) - before.get(name, 0) for name, points in after.items()}
    assert counts == {"http.server.duration": 2}
    assert any(
        (p.attributes or {}).get("http.method") == "GET" and (p.attributes or {}).get("http.status_code") == 200
        for p in after["http.server.duration"]
    )
    assert [span.name for span in telemetry.spans()] == ["GET items/<int:pk>/"] * 2


def test_suppressed_http_instrumentation_gets_no_span(telemetry: Telemetry, transactional_db: None) -> None:
    with suppress_http_instrumentation():
        response = Client().get("/flags/")
    assert response.status_code == 200
    assert telemetry.spans() == ()


async def test_its_own_span_is_an_error_for_a_body_that_broke_off_not_for_a_client_error(
    site: Site, telemetry: Telemetry, settings: DjangoSettings
) -> None:
    settings.ROOT_URLCONF = "tests.django.impact_urls"
    assert (await site.get("/missing/")).status_code == 404  # raised as Http404
    with pytest.raises(BrokenOffError):
        await site.get({"wsgi": "/broken-stream/", "asgi": "/async-broken-stream/"}[site.handler])

    client_error, broken_off = telemetry.spans()
    assert client_error.status.status_code is StatusCode.UNSET  # a 4xx is no server error
    assert broken_off.status.status_code is StatusCode.ERROR
    assert [event.name for event in broken_off.events if event.name == "exception"] == ["exception"]
