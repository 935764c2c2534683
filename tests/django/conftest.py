"""Fixtures for ff_otel_django: the test project, its users and sessions, and requests through both handlers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import tests.django.project  # noqa: F401  (sets Django up: the imports below need its apps loaded)

# isort: split
import anyio.to_thread
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.core.signals import request_finished
from django.db import connections
from django.http.response import HttpResponseBase, StreamingHttpResponse
from django.test import AsyncClient, Client
from opentelemetry.instrumentation.django import DjangoInstrumentor

from tests.conftest import Telemetry

if TYPE_CHECKING:
    from typing import TypeAlias

    from pytest_django import Settings

    DjangoSettings: TypeAlias = Settings
else:
    DjangoSettings = Any  # pytest-django's `settings` fixture; its class name changed across releases

HANDLERS = ("wsgi", "asgi")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _close_request_thread_connections(**_: object) -> None:
    """Close the database connections a request opened in its own thread.

    Django's test clients disconnect the handler that closes connections at the end of a request (to keep a test's
    transaction), and its ASGI handler runs each request's sync code in a thread of its own: without this, those
    threads' sqlite connections are left for the garbage collector (a ResourceWarning on Python 3.13).
    The test's own thread keeps its connection.
    """
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


@pytest.fixture(autouse=True)
def _request_connections_closed() -> Iterator[None]:
    request_finished.connect(_close_request_thread_connections, dispatch_uid=__name__)
    yield
    request_finished.disconnect(dispatch_uid=__name__)


@pytest.fixture
def instrumented(telemetry: Telemetry) -> Iterator[None]:
    """OpenTelemetry's DjangoInstrumentor, on for this test only (it edits settings.MIDDLEWARE)."""
    instrumentor = DjangoInstrumentor()
    instrumentor.instrument(tracer_provider=telemetry.tracer_provider)
    yield
    instrumentor.uninstrument()


@pytest.fixture
def user(transactional_db: None) -> User:
    created: User = User.objects.create_user("alice")
    return created


def login_session(user: User) -> str:
    """The session key of a real login of `user`."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def user_session(user: User) -> str:
    return login_session(user)


@pytest.fixture
def anonymous_session(transactional_db: None) -> str:
    """The key of a saved session with no user in it."""
    store = SessionStore()
    store["visited"] = True
    store.create()
    assert store.session_key is not None
    return store.session_key


class Reply:
    """A response and its whole body, read the way the handler's server would read it."""

    def __init__(self, response: HttpResponseBase, body: bytes) -> None:
        self.response = response
        self.body = body
        self.status_code = response.status_code

    def json(self) -> dict[str, object]:
        return dict(json.loads(self.body))

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.body.splitlines()]


class Site:
    """Requests to the test project through Django's test handler for WSGI (`Client`) or ASGI (`AsyncClient`).

    The WSGI client runs in a worker thread, as under a real WSGI server, so sync code may use the database.
    """

    def __init__(self, handler: str) -> None:
        self.handler = handler
        self.wsgi = Client(raise_request_exception=False)
        self.asgi = AsyncClient(raise_request_exception=False)

    def use_session(self, session_key: str) -> None:
        self.wsgi.cookies[settings.SESSION_COOKIE_NAME] = session_key
        self.asgi.cookies[settings.SESSION_COOKIE_NAME] = session_key

    async def get(self, path: str, **headers: str) -> Reply:
        if self.handler == "wsgi":
            return await anyio.to_thread.run_sync(lambda: self._wsgi_get(path, headers))
        response = await self.asgi.get(path, headers=headers)
        if isinstance(response, StreamingHttpResponse):
            body = b"".join([chunk async for chunk in response.streaming_content])
        else:
            body = response.content
        return Reply(response, body)

    def _wsgi_get(self, path: str, headers: dict[str, str]) -> Reply:
        response = self.wsgi.get(path, headers=headers)
        if isinstance(response, StreamingHttpResponse):
            return Reply(response, b"".join(response.streaming_content))
        return Reply(response, response.content)


@pytest.fixture(params=HANDLERS)
def site(request: pytest.FixtureRequest) -> Site:
    return Site(request.param)
