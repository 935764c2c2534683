"""Many concurrent requests from different users against a real uvicorn server: no event lands in a neighbour."""

from __future__ import annotations

import collections
import json
import threading
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from starlette.middleware.authentication import AuthenticationMiddleware

from ff_otel_asgi import FeatureFlagMiddleware
from tests._support.servers import HOST, listening_socket, port_of
from tests._support.waiting import wait_until
from tests.asgi.apps import CONTEXT_ID, HeaderAuthBackend, evaluation_events, fastapi_app, server_spans, summary
from tests.conftest import Telemetry

USERS = 20
USER_REQUESTS = 200
ANONYMOUS_REQUESTS = 20


@pytest.fixture
def server_url() -> Iterator[tuple[str, FastAPI]]:
    """A real uvicorn server on a socket of 127.0.0.1 bound here, serving a FastAPI app with its own tracing on."""
    app = fastapi_app(add_ours=False)
    app.add_middleware(AuthenticationMiddleware, backend=HeaderAuthBackend())
    app.add_middleware(FeatureFlagMiddleware)  # outside authentication: the user is resolved lazily
    sock = listening_socket()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", backlog=512))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    wait_until(lambda: server.started, timeout=10, what="uvicorn to start")
    try:
        yield f"http://{HOST}:{port_of(sock)}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _get(url: str, headers: dict[str, str]) -> dict[str, Any]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        assert response.status == 200
        answer: dict[str, Any] = json.load(response)
        return answer


@pytest.mark.slow
@pytest.mark.usefixtures("flags")
def test_concurrent_requests_from_many_users_keep_their_own_context(
    server_url: tuple[str, FastAPI], telemetry: Telemetry
) -> None:
    url, _ = server_url

    def one(number: int) -> tuple[str, dict[str, Any]]:
        user = None if number >= USER_REQUESTS else f"user-{number % USERS}"
        headers = {"x-request": str(number)} | ({} if user is None else {"x-user": user})
        path = "/slow" if number % 2 else "/slow-sync"
        return str(number), {"user": user, **_get(url + path, headers)}

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = dict(pool.map(one, range(USER_REQUESTS + ANONYMOUS_REQUESTS), timeout=60))

    assert len(answers) == USER_REQUESTS + ANONYMOUS_REQUESTS
    for answer in answers.values():
        assert answer["first"] == answer["second"] == answer["user"]

    # A response can reach the client just before its span ends on the server: wait for the last ones.
    wait_until(lambda: len(server_spans(telemetry.spans())) >= len(answers), timeout=10, what="every server span")
    spans = telemetry.spans()
    assert len(server_spans(spans)) == len(answers)
    events_per_request: collections.Counter[str] = collections.Counter()
    for span, event in evaluation_events(spans):
        number = str((span.attributes or {})["test.request"])
        events_per_request[number] += 1
        assert event.get(CONTEXT_ID) == answers[number]["user"], f"request {number} got another request's context"
    assert events_per_request == dict.fromkeys(answers, 4)  # two flags, evaluated twice, none lost
    for server in server_spans(spans):
        assert summary(server)["ff_otel.evaluations"] == 4
