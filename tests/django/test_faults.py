"""A session store that is down, a user lookup that raises, a context builder that raises: the request succeeds."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import Telemetry
from tests.django.conftest import DjangoSettings, Site
from tests.django.exported import context_ids, server_span

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]


def ff_otel_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "ff_otel"]


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_a_session_store_that_is_down_leaves_the_visitor_anonymous(
    site: Site,
    user_session: str,
    telemetry: Telemetry,
    settings: DjangoSettings,
    caplog: pytest.LogCaptureFixture,
    view: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ff_otel")
    settings.SESSION_ENGINE = "tests.django.failing_parts"
    site.use_session(user_session)

    reply = await site.get(view)

    assert reply.status_code == 200
    assert reply.json()["new_checkout"] is True
    assert reply.json()["targeting_key"] is None
    assert context_ids(server_span(telemetry)) == [None, None]
    assert any("session store is down" in message for message in ff_otel_warnings(caplog))


@pytest.fixture
def broken_user_session(user: User, settings: DjangoSettings) -> str:
    """A session logged in through an authentication backend whose user lookup raises."""
    broken = "tests.django.failing_parts.BrokenUserBackend"
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend", broken]
    login = Client()
    login.force_login(user, backend=broken)
    return login.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_a_user_lookup_that_raises_leaves_the_visitor_anonymous(
    site: Site,
    broken_user_session: str,
    telemetry: Telemetry,
    caplog: pytest.LogCaptureFixture,
    view: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ff_otel")
    site.use_session(broken_user_session)

    reply = await site.get(view)

    assert reply.status_code == 200
    assert reply.json()["targeting_key"] is None
    assert context_ids(server_span(telemetry)) == [None, None]
    assert any("user directory is down" in message for message in ff_otel_warnings(caplog))


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_a_context_builder_that_raises_keeps_the_user_and_drops_only_its_attributes(
    site: Site,
    user: User,
    user_session: str,
    telemetry: Telemetry,
    settings: DjangoSettings,
    caplog: pytest.LogCaptureFixture,
    view: str,
) -> None:
    caplog.set_level(logging.DEBUG, logger="ff_otel")
    settings.FF_OTEL = {"context_builder": "tests.django.failing_parts.broken_context"}
    site.use_session(user_session)

    reply = await site.get(view)

    assert reply.status_code == 200
    assert reply.json()["targeting_key"] == str(user.pk)
    assert reply.json()["attributes"] == {}
    assert context_ids(server_span(telemetry)) == [str(user.pk), str(user.pk)]
    assert any("context builder failed" in message for message in ff_otel_warnings(caplog))
