"""The request span: OpenTelemetry's own when DjangoInstrumentor is on, else one server span started here."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from opentelemetry.trace import SpanKind, format_span_id, format_trace_id

from tests.conftest import Telemetry
from tests.django.conftest import DjangoSettings, Site
from tests.django.exported import context_ids, server_span

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]

VIEWS = {"/flags/": "GET flags/", "/async-flags/": "GET async-flags/"}


@pytest.fixture(params=[False, True], ids=["own-span", "django-instrumentor"])
def instrumentation(request: pytest.FixtureRequest) -> str:
    if request.param:
        request.getfixturevalue("instrumented")
        return "opentelemetry.instrumentation.django"
    return "ff_otel_django"


@pytest.mark.parametrize("view", list(VIEWS))
async def test_each_request_has_one_server_span_with_its_evaluations_and_summary(
    site: Site, user: User, user_session: str, telemetry: Telemetry, instrumentation: str, view: str
) -> None:
    site.use_session(user_session)

    reply = await site.get(view)

    assert reply.status_code == 200
    span = server_span(telemetry)
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == instrumentation
    assert span.name == VIEWS[view]
    assert span.kind is SpanKind.SERVER
    attributes = span.attributes or {}
    assert attributes["http.method"] == "GET"
    assert attributes["http.status_code"] == 200
    assert attributes["http.route"] == VIEWS[view].split(" ")[1]
    assert context_ids(span) == [str(user.pk), str(user.pk)]
    assert list(attributes["ff_otel.flags"]) == ["new-checkout=on", "banner-color=red"]  # type: ignore[arg-type]
    assert attributes["ff_otel.evaluations"] == 2
    assert len(telemetry.spans()) == 1


async def test_the_span_is_named_after_the_route_and_continues_the_callers_trace(
    site: Site, telemetry: Telemetry, transactional_db: None
) -> None:
    trace_id, parent_id = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"

    reply = await site.get("/items/42/", traceparent=f"00-{trace_id}-{parent_id}-01")

    assert reply.json()["pk"] == 42
    span = server_span(telemetry)
    assert span.name == "GET items/<int:pk>/"
    assert format_trace_id(span.context.trace_id) == trace_id
    assert span.parent is not None
    assert format_span_id(span.parent.span_id) == parent_id


async def test_the_sites_root_is_named_by_its_route_too(
    site: Site, telemetry: Telemetry, transactional_db: None
) -> None:
    reply = await site.get("/")

    assert reply.status_code == 200
    span = server_span(telemetry)
    assert span.name == "GET /"
    assert (span.attributes or {})["http.route"] == "/"


async def test_an_unresolved_url_gets_a_span_named_after_the_method(
    site: Site, telemetry: Telemetry, transactional_db: None
) -> None:
    reply = await site.get("/nowhere/")

    assert reply.status_code == 404
    span = server_span(telemetry)
    assert span.name == "GET"
    assert (span.attributes or {})["http.status_code"] == 404


async def test_an_excluded_url_gets_no_span_and_no_identity(
    site: Site, user_session: str, telemetry: Telemetry, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"excluded_urls": "healthz"}
    site.use_session(user_session)

    reply = await site.get("/healthz/")

    assert reply.json()["targeting_key"] is None
    assert telemetry.spans() == ()
    assert len(telemetry.logs()) == 2  # evaluations outside any span become log records
    assert all("feature_flag.context.id" not in (log.log_record.attributes or {}) for log in telemetry.logs())


async def test_with_start_span_off_evaluations_are_log_records_with_the_users_context_id(
    site: Site, user: User, user_session: str, telemetry: Telemetry, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"start_span": False}
    site.use_session(user_session)

    reply = await site.get("/flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    assert telemetry.spans() == ()
    assert [(log.log_record.attributes or {})["feature_flag.context.id"] for log in telemetry.logs()] == [
        str(user.pk),
        str(user.pk),
    ]
