"""Exceptions, streaming bodies and Django's test client: the context lasts the whole request, and no longer."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse
from django.test import Client
from openfeature import api
from opentelemetry.trace import StatusCode

from tests.conftest import Telemetry
from tests.django.conftest import Site
from tests.django.exported import context_ids, server_span

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]

STREAMS = {"wsgi": "/stream/", "asgi": "/async-stream/"}  # what each server type can stream without a warning


@pytest.fixture(params=[False, True], ids=["own-span", "django-instrumentor"])
def instrumentor_on(request: pytest.FixtureRequest) -> bool:
    if request.param:
        request.getfixturevalue("instrumented")
    return bool(request.param)


async def test_a_view_that_raises_gives_a_500_whose_span_keeps_its_evaluations(
    site: Site, user: User, user_session: str, telemetry: Telemetry, instrumentor_on: bool
) -> None:
    site.use_session(user_session)

    reply = await site.get("/boom/")

    assert reply.status_code == 500
    span = server_span(telemetry)
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["http.status_code"] == 500
    assert context_ids(span) == [str(user.pk), str(user.pk)]
    assert (span.attributes or {})["ff_otel.evaluations"] == 2
    (exception,) = [event for event in span.events if event.name == "exception"]
    assert (exception.attributes or {})["exception.message"] == "the view failed"
    assert api.get_transaction_context().targeting_key is None


async def test_a_streaming_body_is_evaluated_in_the_users_context_and_the_span_ends_with_it(
    site: Site, user: User, user_session: str, telemetry: Telemetry
) -> None:
    site.use_session(user_session)

    reply = await site.get(STREAMS[site.handler])

    assert [line["targeting_key"] for line in reply.lines()] == [str(user.pk)] * 3
    span = server_span(telemetry)
    assert context_ids(span) == [str(user.pk)] * 6
    assert (span.attributes or {})["ff_otel.evaluations"] == 6
    assert (span.attributes or {})["http.status_code"] == 200
    assert api.get_transaction_context().targeting_key is None


async def test_with_django_instrumentor_a_streaming_body_still_records_every_evaluation_for_its_user(
    site: Site, user: User, user_session: str, telemetry: Telemetry, instrumented: None
) -> None:
    site.use_session(user_session)

    reply = await site.get(STREAMS[site.handler])

    # OpenTelemetry's Django middleware ends its span when the view returns, before the body is sent: the body's
    # evaluations then happen outside any span and become log records, still in the user's context.
    assert [line["targeting_key"] for line in reply.lines()] == [str(user.pk)] * 3
    assert len(telemetry.spans()) == 1
    on_span = context_ids(server_span(telemetry))
    in_logs = [(log.log_record.attributes or {}).get("feature_flag.context.id") for log in telemetry.logs()]
    assert on_span + in_logs == [str(user.pk)] * 6


@pytest.mark.django_db(transaction=True)
def test_a_streaming_response_closed_unread_still_ends_its_span(telemetry: Telemetry) -> None:
    response = Client().get("/stream/")
    assert isinstance(response, StreamingHttpResponse)
    assert telemetry.spans() == ()

    response.close()

    assert server_span(telemetry).name == "GET stream/"


@pytest.mark.django_db(transaction=True)
def test_djangos_test_client_reraises_the_views_exception_after_the_request_is_recorded(
    user: User, telemetry: Telemetry
) -> None:
    client = Client()
    client.force_login(user)

    with pytest.raises(RuntimeError, match="the view failed"):
        client.get("/boom/")

    assert context_ids(server_span(telemetry)) == [str(user.pk), str(user.pk)]
    assert api.get_transaction_context().targeting_key is None
