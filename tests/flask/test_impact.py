"""Flag impact from the Flask extension: per variant, at request end, streamed bodies and failures included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import flask
import pytest

from ff_otel_flask import FeatureFlags
from tests.flask.apps import instrument_app
from tests.histograms import Sink
from tests.impact_app import (
    FLAG,
    ORDERS,
    assert_checkout_impact,
    checkout_status,
    cohort_context,
    headers,
    new_checkout,
    use_checkout_flags,
)


class BrokenOffError(RuntimeError):
    """A streamed body failing after its first chunk."""


STREAM_PAUSE_SECONDS = 0.3
"""Between a streamed body's chunks: longer than the 0.25 s bucket, so the body's end is seen in the duration."""


@pytest.fixture(autouse=True)
def _flags() -> None:
    use_checkout_flags()


def create_app(sink: Sink, *, configured: bool = False, **options: Any) -> flask.Flask:
    app = flask.Flask(__name__)
    values = {"impact_flags": [FLAG], "meter_provider": sink.provider, "context_builder": cohort_context, **options}
    if configured:
        app.config["FF_OTEL"] = values
        FeatureFlags(app)
    else:
        FeatureFlags(app, **values)

    @app.get("/checkout/<int:order>")
    def checkout(order: int) -> tuple[str, int]:
        return "done", checkout_status(order, new_checkout())

    @app.get("/stream")
    def stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            yield "first\n"
            time.sleep(STREAM_PAUSE_SECONDS)  # a paused stream: the request lasts until its body ends
            yield f"{new_checkout()}\n"  # evaluated while the body is being sent

        return flask.Response(flask.stream_with_context(chunks()))

    @app.get("/broken-stream")
    def broken_stream() -> flask.Response:
        def chunks() -> Iterator[str]:
            yield f"{new_checkout()}\n"
            raise BrokenOffError("the body broke off")

        return flask.Response(flask.stream_with_context(chunks()))

    @app.get("/missing")
    def missing() -> str:
        new_checkout()
        flask.abort(404)

    return app


@pytest.mark.parametrize("configured", [False, True], ids=["kwargs", "app.config"])
def test_each_variant_gets_its_requests_durations_and_errors(configured: bool) -> None:
    sink = Sink()
    client = create_app(sink, configured=configured).test_client()
    for cohort, orders in ORDERS.items():
        for order in orders:
            client.get(f"/checkout/{order}", headers=headers(cohort)).close()  # as a server closes the body

    assert_checkout_impact(sink.series(), route="/checkout/<int:order>", exception_status=500)


def test_a_streamed_body_ends_the_request_with_its_last_chunk() -> None:
    sink = Sink()
    client = create_app(sink).test_client()
    response = client.get("/stream", headers=headers("beta"))
    assert response.get_data(as_text=True) == "first\nTrue\n"
    response.close()

    (series,) = sink.series()
    assert (series.variant, series.count, series.attributes["http.route"]) == ("on", 1, "/stream")
    assert series.faster_than(0.25) == 0


@pytest.mark.parametrize("instrumented", [False, True], ids=["own span", "FlaskInstrumentor"])
def test_a_streamed_body_that_breaks_off_is_a_failed_request(instrumented: bool) -> None:
    sink = Sink()
    app = create_app(sink)
    if instrumented:
        instrument_app(app)
    response = app.test_client().get("/broken-stream", headers=headers("beta"))
    with pytest.raises(BrokenOffError):
        response.get_data()
    response.close()

    (series,) = sink.series()
    assert (series.variant, series.attributes["http.response.status_code"]) == ("on", 200)
    assert series.attributes["error.type"] == "BrokenOffError"


def test_a_client_error_is_no_error_type() -> None:
    sink = Sink()
    create_app(sink).test_client().get("/missing").close()

    (series,) = sink.series()
    assert series.attributes["http.response.status_code"] == 404
    assert "error.type" not in series.attributes


def test_without_impact_flags_there_is_no_histogram() -> None:
    sink = Sink()
    client = create_app(sink, impact_flags=()).test_client()
    client.get("/checkout/1", headers=headers("beta")).close()

    assert sink.series() == []
