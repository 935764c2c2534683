"""Many concurrent requests from different users through real servers: gunicorn with threads, and uvicorn."""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from tests._support.servers import ServerProcess
from tests._support.waiting import wait_until
from tests.django.child_setup import SPANS_FILE_ENV
from tests.django.conftest import login_session

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

USERS = 6
REQUESTS_PER_VISITOR = 5


def server_command(server: str) -> list[str]:
    if server == "gunicorn":
        application = "tests.django.wsgi:application"
        return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                "--bind", "fd://{fd}", "--graceful-timeout", "2", application]  # fmt: skip
    application = "tests.django.asgi:application"
    return [sys.executable, "-m", "uvicorn", "--fd", "{fd}", "--no-access-log", application]


@contextmanager
def running(server: str, spans_file: Path, log_file: Path) -> Iterator[str]:
    """Start the server in a child process on a socket bound here; yield its base URL once it serves; stop it."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.django.settings",
        "FF_OTEL_DJANGO_DB": str(connection.settings_dict["NAME"]),
        SPANS_FILE_ENV: str(spans_file),
    }
    with ServerProcess(server_command(server), env=environment, log=log_file) as process:
        # A request would add a span of its own: the server's start-up line says it serves instead.
        started = "Booting worker" if server == "gunicorn" else "Uvicorn running on"
        process.wait_ready(lambda: started in process.log(), what=server, timeout=20)
        yield process.url


def fetch(url: str, session_key: str | None, trace_id: str) -> dict[str, object]:
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    if session_key is not None:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return dict(json.loads(response.read()))


def server_spans(spans_file: Path, expected: int) -> dict[str, dict[str, Any]]:
    """The exported server spans by trace id, once `expected` of them have been written."""

    def written() -> list[dict[str, Any]] | None:
        lines = spans_file.read_text().splitlines() if spans_file.exists() else []
        spans = [json.loads(line) for line in lines]
        server = [span for span in spans if span["kind"] == "SpanKind.SERVER"]
        return server if len(server) >= expected else None

    server = wait_until(written, timeout=10, what=f"{expected} server spans in {spans_file}")
    return {span["context"]["trace_id"].removeprefix("0x"): span for span in server}


@pytest.mark.parametrize("server", ["gunicorn", "uvicorn"])
def test_concurrent_requests_from_different_users_each_keep_their_own_context(server: str, tmp_path: Path) -> None:
    users = [User.objects.create_user(f"user-{n}") for n in range(USERS)]
    visitors: list[tuple[str | None, str | None]] = [(login_session(user), str(user.pk)) for user in users]
    visitors.append((None, None))  # an anonymous visitor without a session
    views = ["/flags/", "/async-flags/"]
    requests = [
        (visitor, views[n % 2], secrets.token_hex(16)) for n in range(REQUESTS_PER_VISITOR) for visitor in visitors
    ]
    spans_file, log_file = tmp_path / "spans.jsonl", tmp_path / "server.log"

    with running(server, spans_file, log_file) as base, ThreadPoolExecutor(max_workers=16) as pool:
        replies = list(pool.map(lambda r: fetch(base + r[1], r[0][0], r[2]), requests))
        spans = server_spans(spans_file, len(requests))

    assert [reply["targeting_key"] for reply in replies] == [visitor[1] for visitor, _, _ in requests]
    assert len(spans) == len(requests)  # nothing lost, and one server span per request
    for (_, expected), view, trace_id in requests:
        span = spans[trace_id]
        assert span["name"] == f"GET {view.strip('/')}/"
        events = [event for event in span["events"] if event["name"] == "feature_flag.evaluation"]
        assert [event["attributes"].get("feature_flag.context.id") for event in events] == [expected, expected]
        assert span["attributes"]["ff_otel.evaluations"] == 2
    exported = spans_file.read_text() + log_file.read_text()
    assert not [key for key, _ in visitors if key is not None and key in exported]
