"""Flag impact from the Django middleware, under WSGI and ASGI: per variant, at request end, failures included."""

from __future__ import annotations

import pytest

from tests.django.conftest import DjangoSettings, Site
from tests.django.impact_urls import BrokenOffError
from tests.histograms import Sink
from tests.impact_app import FLAG, ORDERS, assert_checkout_impact, cohort_context, headers, use_checkout_flags

pytestmark = [pytest.mark.anyio, pytest.mark.django_db(transaction=True)]

STREAMS = {"wsgi": "/stream/", "asgi": "/async-stream/"}  # what each handler streams without a warning


@pytest.fixture
def sink(settings: DjangoSettings) -> Sink:
    """The impact settings, with a meter provider of the test's own."""
    use_checkout_flags()
    found = Sink()
    settings.ROOT_URLCONF = "tests.django.impact_urls"
    settings.FF_OTEL = {"impact_flags": [FLAG], "meter_provider": found.provider, "context_builder": cohort_context}
    return found


@pytest.mark.parametrize("view", ["checkout", "async-checkout"])
async def test_each_variant_gets_its_requests_durations_and_errors(site: Site, sink: Sink, view: str) -> None:
    for cohort, orders in ORDERS.items():
        for order in orders:
            await site.get(f"/{view}/{order}/", **headers(cohort))

    assert_checkout_impact(sink.series(), route=f"{view}/<int:order>/", exception_status=500)


async def test_a_streamed_body_ends_the_request_with_its_last_chunk(site: Site, sink: Sink) -> None:
    reply = await site.get(STREAMS[site.handler], **headers("beta"))
    assert reply.body == b"first\nTrue\n"

    (series,) = sink.series()
    assert (series.variant, series.count, series.attributes["http.route"]) == ("on", 1, STREAMS[site.handler][1:])
    assert series.faster_than(0.25) == 0


async def test_a_streamed_body_that_breaks_off_is_a_failed_request(site: Site, sink: Sink) -> None:
    path = {"wsgi": "/broken-stream/", "asgi": "/async-broken-stream/"}[site.handler]
    with pytest.raises(BrokenOffError):
        await site.get(path, **headers("beta"))

    (series,) = sink.series()
    assert (series.variant, series.attributes["http.response.status_code"]) == ("on", 200)
    assert series.attributes["error.type"] == "BrokenOffError"


async def test_a_client_error_is_no_error_type(site: Site, sink: Sink) -> None:
    reply = await site.get("/missing/")
    assert reply.status_code == 404

    (series,) = sink.series()
    assert series.attributes["http.response.status_code"] == 404
    assert "error.type" not in series.attributes


async def test_without_impact_flags_there_is_no_histogram(site: Site, sink: Sink, settings: DjangoSettings) -> None:
    settings.FF_OTEL = {**settings.FF_OTEL, "impact_flags": []}
    await site.get("/checkout/1/", **headers("beta"))

    assert sink.series() == []
