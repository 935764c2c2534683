"""Many users at once through a real threaded server: each request keeps its own user, nothing is lost."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import flask
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from werkzeug.serving import BaseWSGIServer, make_server

from ff_otel_flask import FeatureFlags
from tests._support.waiting import wait_until
from tests.conftest import Telemetry
from tests.flask.apps import create_bare_app, instrument_app

pytestmark = [pytest.mark.usefixtures("flags"), pytest.mark.slow]

USERS = 30
REQUESTS_PER_USER = 3
CLIENT_THREADS = 8


@contextlib.contextmanager
def serve(app: flask.Flask) -> Iterator[BaseWSGIServer]:
    """The app on werkzeug's threaded server, on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def fetch(port: int, user_id: str) -> tuple[str, dict[str, Any]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", f"/slow-flags?user={user_id}", headers={"X-User": user_id})
        response = connection.getresponse()
        assert response.status == 200
        return user_id, json.loads(response.read())
    finally:
        connection.close()


def server_spans(telemetry: Telemetry, expected: int) -> list[ReadableSpan]:
    """The server spans, once the server threads have ended all of them (they end after the body is sent)."""

    def ended() -> list[ReadableSpan] | None:
        spans = [span for span in telemetry.spans() if span.kind is SpanKind.SERVER]
        return spans if len(spans) >= expected else None

    return wait_until(ended, timeout=10, what=f"{expected} server spans")


def ours_only(app: flask.Flask) -> None:
    FeatureFlags(app)


def with_flask_instrumentor(app: flask.Flask) -> None:
    FeatureFlags(app)
    instrument_app(app)  # the harder order: ff-otel's hooks must move behind the instrumentor's


@pytest.mark.parametrize("set_up", [ours_only, with_flask_instrumentor])
def test_concurrent_users_never_see_each_others_context(
    telemetry: Telemetry,
    set_up: Callable[[flask.Flask], None],
) -> None:
    app = create_bare_app()
    set_up(app)
    user_ids = [str(user) for user in range(USERS) for _ in range(REQUESTS_PER_USER)]

    with serve(app) as server, ThreadPoolExecutor(CLIENT_THREADS) as pool:
        results = list(pool.map(lambda user_id: fetch(server.server_port, user_id), user_ids))

    for user_id, body in results:
        assert body["first"]["targeting_key"] == body["second"]["targeting_key"] == user_id
    spans = server_spans(telemetry, len(user_ids))
    assert len(spans) == len(user_ids)
    seen_users = []
    for span in spans:
        attributes = span.attributes or {}
        user_id = str(attributes.get("http.target", "")).rpartition("user=")[2]
        seen_users.append(user_id)
        assert [(event.attributes or {}).get("feature_flag.context.id") for event in span.events] == [user_id] * 4
        assert attributes["ff_otel.evaluations"] == 4
    assert sorted(seen_users) == sorted(user_ids)
