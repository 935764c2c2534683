"""Who each request is for: user, else session (hashed), else anonymous."""

from __future__ import annotations

import logging
from importlib import import_module

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session

import ff_otel
from ff_otel.integration import ANONYMOUS_ID_KEY
from tests.conftest import Telemetry
from tests.django.conftest import DjangoSettings, Site
from tests.django.exported import context_ids, everything_exported, server_span

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_a_logged_in_user_is_the_targeting_key_and_the_context_id(
    site: Site, user: User, user_session: str, telemetry: Telemetry, view: str
) -> None:
    site.use_session(user_session)

    reply = await site.get(view)

    assert reply.status_code == 200
    assert reply.json()["targeting_key"] == str(user.pk)
    assert context_ids(server_span(telemetry)) == [str(user.pk), str(user.pk)]


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_an_anonymous_visitor_with_a_session_is_known_by_a_keyed_hash_of_it(
    site: Site,
    anonymous_session: str,
    telemetry: Telemetry,
    caplog: pytest.LogCaptureFixture,
    view: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    site.use_session(anonymous_session)

    reply = await site.get(view)

    expected = ff_otel.Identity.session(anonymous_session, django_settings.SECRET_KEY).targeting_key
    assert reply.json()["targeting_key"] == expected != anonymous_session
    assert context_ids(server_span(telemetry)) == [expected, expected]
    assert anonymous_session not in everything_exported(telemetry)
    assert anonymous_session not in caplog.text


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_an_anonymous_visitor_without_a_session_has_no_targeting_key_and_gets_no_session(
    site: Site, telemetry: Telemetry, transactional_db: None, view: str
) -> None:
    reply = await site.get(view)

    assert reply.status_code == 200
    assert reply.json()["targeting_key"] is None
    assert context_ids(server_span(telemetry)) == [None, None]
    assert django_settings.SESSION_COOKIE_NAME not in reply.response.cookies
    assert await sync_to_async(Session.objects.count)() == 0


async def test_looking_up_the_user_makes_a_flag_evaluating_response_vary_on_the_cookie(
    site: Site, telemetry: Telemetry, transactional_db: None
) -> None:
    reply = await site.get("/flags/")

    # Django's SessionMiddleware adds it once the session was read, as the user lookup does: caches must not
    # give one visitor's flagged page to another.
    assert "Cookie" in reply.response.headers.get("Vary", "")


async def test_persist_anonymous_id_gives_a_new_visitor_a_stable_id_kept_in_a_new_session(
    site: Site, telemetry: Telemetry, transactional_db: None, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"persist_anonymous_id": True}

    first = await site.get("/flags/")
    second = await site.get("/async-flags/")  # the clients send back the session cookie they were given

    visitor = first.json()["targeting_key"]
    assert isinstance(visitor, str)
    assert len(visitor) == 32
    assert second.json()["targeting_key"] == visitor
    assert await sync_to_async(Session.objects.count)() == 1
    session_key = first.response.cookies[settings.SESSION_COOKIE_NAME].value
    assert visitor not in (session_key, ff_otel.Identity.session(session_key, settings.SECRET_KEY).targeting_key)
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    stored = await sync_to_async(store.__getitem__)(ANONYMOUS_ID_KEY)
    assert (
        visitor == ff_otel.Identity.session(stored, settings.SECRET_KEY).targeting_key
    )  # the random id never leaves as it is


@pytest.mark.parametrize("view", ["/flags/", "/async-flags/"])
async def test_placed_before_sessions_and_authentication_it_still_finds_the_user(
    site: Site, user: User, user_session: str, telemetry: Telemetry, settings: DjangoSettings, view: str
) -> None:
    settings.MIDDLEWARE = [
        "ff_otel_django.FeatureFlagMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    site.use_session(user_session)

    reply = await site.get(view)

    assert reply.json()["targeting_key"] == str(user.pk)
    assert context_ids(server_span(telemetry)) == [str(user.pk), str(user.pk)]


async def test_a_context_builder_given_as_a_dotted_path_adds_attributes(
    site: Site, user: User, user_session: str, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"context_builder": "tests.django.failing_parts.plan_context"}
    site.use_session(user_session)

    reply = await site.get("/async-flags/")

    assert reply.json()["attributes"] == {"plan": "pro"}


async def test_pseudonymized_context_ids_are_keyed_with_the_secret_key_by_default(
    site: Site, user: User, user_session: str, telemetry: Telemetry, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"pseudonymize_context_id": True}
    site.use_session(user_session)

    reply = await site.get("/flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    expected = ff_otel.pseudonymize(str(user.pk), settings.SECRET_KEY)
    assert context_ids(server_span(telemetry)) == [expected, expected]


async def test_the_identity_option_replaces_the_lookup(
    site: Site, telemetry: Telemetry, settings: DjangoSettings
) -> None:
    settings.FF_OTEL = {"identity": lambda request: request.headers.get("X-Api-Client")}

    reply = await site.get("/flags/", **{"X-Api-Client": "client-7"})

    assert reply.json()["targeting_key"] == "client-7"
    assert context_ids(server_span(telemetry)) == ["client-7", "client-7"]
