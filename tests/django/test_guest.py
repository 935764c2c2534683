"""ff-otel is a guest in the application's flag evaluation: the app's own context and choices win."""

from __future__ import annotations

import gc
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from openfeature import api, transaction_context
from openfeature.transaction_context import ContextVarsTransactionContextPropagator

import ff_otel
from ff_otel.integration import RequestScope
from tests.conftest import Telemetry
from tests.django import app_middleware
from tests.django.conftest import DjangoSettings, Site
from tests.django.exported import context_ids, server_span

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("flags")]

SESSION = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
OURS = "ff_otel_django.FeatureFlagMiddleware"
SETS_CONTEXT = "tests.django.app_middleware.sets_the_context"


@pytest.mark.parametrize("app_first", [True, False], ids=["app-before-ours", "app-after-ours"])
async def test_the_applications_own_targeting_key_and_attributes_win(
    site: Site, user: User, user_session: str, settings: DjangoSettings, telemetry: Telemetry, app_first: bool
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, SETS_CONTEXT, OURS] if app_first else [SESSION, AUTH, OURS, SETS_CONTEXT]
    site.use_session(user_session)

    chosen = (await site.get("/flags/", x_app_targeting_key="tenant-7")).json()
    assert chosen["targeting_key"] == "tenant-7"
    assert chosen["attributes"] == {"tenant": "acme"}
    assert context_ids(server_span(telemetry)) == ["tenant-7", "tenant-7"]

    # An application context with no targeting key keeps its attributes; the user fills the key.
    telemetry.clear()
    filled = (await site.get("/flags/", x_app_targeting_key="")).json()
    assert filled["targeting_key"] == str(user.pk)
    assert filled["attributes"] == {"tenant": "acme"}


def test_a_context_set_outside_any_block_never_reaches_the_next_request_on_the_thread(
    settings: DjangoSettings, transactional_db: None
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, SETS_CONTEXT, OURS]
    client = Client()
    with ThreadPoolExecutor(max_workers=1) as worker:  # one thread serves both requests, as in a WSGI server
        first = worker.submit(lambda: client.get("/flags/", headers={"x-app-targeting-key": "tenant-7"})).result()
        second = worker.submit(lambda: client.get("/flags/")).result()
    assert first.json()["targeting_key"] == "tenant-7"
    assert second.json()["targeting_key"] is None
    assert second.json()["attributes"] == {}


def test_a_request_served_inside_the_applications_own_block_leaves_that_block_in_place(
    settings: DjangoSettings, transactional_db: None
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, OURS]
    client = Client()  # serves in this thread, as a test does: the request's end runs in the block's context
    with ff_otel.evaluation_context(targeting_key="tester", attributes={"suite": "e2e"}):
        served = client.get("/flags/").json()
        after = api.get_transaction_context()
        again = client.get("/flags/").json()
        assert (after.targeting_key, after.attributes) == ("tester", {"suite": "e2e"})
        assert api.get_transaction_context().targeting_key == "tester"
    assert served["targeting_key"] == again["targeting_key"] == "tester"  # the application's context wins
    assert api.get_transaction_context().targeting_key is None


def test_what_a_request_set_inside_the_applications_own_block_ends_with_the_request(
    settings: DjangoSettings, transactional_db: None
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, SETS_CONTEXT, OURS]  # the app's middleware sets its context before ours
    client = Client()
    with ff_otel.evaluation_context(targeting_key="tester"):
        first = client.get("/flags/", headers={"x-app-targeting-key": "tenant-7"}).json()
        after = api.get_transaction_context()
        second = client.get("/flags/").json()
        assert (after.targeting_key, after.attributes) == ("tester", {})
    assert first["targeting_key"] == "tenant-7"
    assert (second["targeting_key"], second["attributes"]) == ("tester", {})


async def test_an_async_only_middleware_evaluating_before_an_async_view_sees_the_user(
    user: User, user_session: str, settings: DjangoSettings, caplog: pytest.LogCaptureFixture, telemetry: Telemetry
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, OURS, "tests.django.app_middleware.EvaluatesBeforeTheView"]
    site = Site("asgi")
    site.use_session(user_session)

    reply = await site.get("/async-flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    assert reply.response["X-Seen-Targeting-Key"] == str(user.pk)
    assert context_ids(server_span(telemetry)) == [str(user.pk)] * 3
    assert not [r for r in caplog.records if r.name == "ff_otel" and r.levelno >= logging.WARNING]


async def test_a_flag_evaluated_before_authentication_leaves_the_view_its_user(
    site: Site, user: User, user_session: str, settings: DjangoSettings, telemetry: Telemetry
) -> None:
    settings.MIDDLEWARE = [OURS, SESSION, "tests.django.app_middleware.evaluates_on_the_way_in", AUTH]
    site.use_session(user_session)

    reply = await site.get("/flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    before_authentication, *in_the_view = context_ids(server_span(telemetry))
    assert before_authentication not in (None, str(user.pk))  # the session's keyed hash: all that was known then
    assert in_the_view == [str(user.pk)] * len(in_the_view) != []


async def test_an_identity_the_application_binds_before_authentication_stays(
    site: Site, user: User, user_session: str, settings: DjangoSettings
) -> None:
    settings.MIDDLEWARE = [OURS, SESSION, "tests.django.app_middleware.identifies_the_client", AUTH]
    site.use_session(user_session)

    assert (await site.get("/flags/")).json()["targeting_key"] == "api-client-7"


async def test_an_async_middleware_evaluating_before_authentication_could_run_leaves_the_view_its_user(
    user: User, user_session: str, settings: DjangoSettings, telemetry: Telemetry
) -> None:
    settings.MIDDLEWARE = [OURS, SESSION, AUTH, "tests.django.app_middleware.EvaluatesBeforeTheView"]
    site = Site("asgi")
    site.use_session(user_session)

    reply = await site.get("/async-flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    in_the_middleware, *in_the_view = context_ids(server_span(telemetry))
    assert in_the_middleware is None  # the database is out of reach in the event loop: anonymous, and logged
    assert in_the_view == [str(user.pk)] * len(in_the_view) != []


async def test_a_middleware_listed_before_ours_evaluating_on_the_way_out_sees_the_user(
    site: Site, user: User, user_session: str, settings: DjangoSettings
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, "tests.django.app_middleware.evaluates_on_the_way_out", OURS]
    site.use_session(user_session)
    app_middleware.seen_on_the_way_out.clear()

    await site.get("/flags/")

    assert app_middleware.seen_on_the_way_out == [str(user.pk)]


async def test_a_user_without_a_primary_key_is_anonymous(site: Site, settings: DjangoSettings) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, "tests.django.app_middleware.unsaved_user", OURS]

    reply = await site.get("/flags/")

    assert reply.json()["targeting_key"] is None


async def test_a_lazy_user_of_the_applications_own_authentication_is_read_even_with_no_user_in_the_session(
    site: Site, settings: DjangoSettings, telemetry: Telemetry
) -> None:
    settings.MIDDLEWARE = [SESSION, AUTH, "tests.django.app_middleware.token_user", OURS]

    token = await site.get("/flags/", x_token="77")
    assert token.json()["targeting_key"] == "77"
    assert context_ids(server_span(telemetry)) == ["77", "77"]

    # Django's own lazy user with nobody in the session: anonymous, exactly as `request.user` would say.
    assert (await site.get("/flags/")).json()["targeting_key"] is None


async def test_ours_before_authentication_with_the_applications_own_propagator(
    site: Site, user: User, user_session: str, settings: DjangoSettings
) -> None:
    class OwnPropagator(ContextVarsTransactionContextPropagator):
        """The application's choice: a subclass of the SDK's, so not ff-otel's to replace."""

    own = OwnPropagator()
    transaction_context.set_transaction_context_propagator(own)
    settings.MIDDLEWARE = [SESSION, OURS, AUTH]
    site.use_session(user_session)

    reply = await site.get("/flags/")

    assert reply.json()["targeting_key"] == str(user.pk)
    assert transaction_context._evaluation_transaction_context_propagator is own


async def test_the_kill_switch_makes_the_middleware_a_pass_through(
    site: Site, user: User, user_session: str, monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry
) -> None:
    ff_otel.uninstall()
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_ENABLED", "false")
    site.use_session(user_session)

    reply = await site.get("/flags/")

    assert reply.status_code == 200
    assert reply.json()["targeting_key"] is None  # no identity, no context
    assert telemetry.spans() == ()  # no span
    assert ff_otel.current_installation() is None


def test_the_session_hash_is_djangos_salted_hmac(settings: DjangoSettings) -> None:
    from django.utils.crypto import salted_hmac

    expected = salted_hmac("ff_otel.session-id", "a-session-key", django_settings.SECRET_KEY, algorithm="sha256")
    assert (
        ff_otel.Identity.session("a-session-key", django_settings.SECRET_KEY).targeting_key
        == (expected.hexdigest()[:32])
    )


@pytest.mark.parametrize("path", ["/flags/", "/healthz/"])
def test_a_requests_scope_is_freed_without_the_cyclic_collector(
    settings: DjangoSettings, transactional_db: None, path: str
) -> None:
    # Only reference counting runs here (as between collections, or with the collector off): what ff-otel leaves
    # on the request must not tie its scope, and the span it holds, into the request's own cycles.
    settings.MIDDLEWARE = [SESSION, AUTH, OURS]
    client = Client()
    client.get(path)  # first use, outside the count
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            client.get(path)
        alive = sum(type(candidate) is RequestScope for candidate in gc.get_objects())
    finally:
        gc.enable()

    assert alive <= 1
