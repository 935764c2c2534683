"""Many concurrent requests from different users through real servers: gunicorn with threads, and uvicorn."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
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

from tests.django.conftest import login_session
from tests.django.server import SPANS_FILE_ENV

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
USERS = 6
REQUESTS_PER_VISITOR = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_command(server: str, port: int) -> list[str]:
    if server == "gunicorn":
        application = "tests.django.wsgi:application"
        return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "8",
                "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", application]  # fmt: skip
    application = "tests.django.asgi:application"
    return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--no-access-log", application]


@contextmanager
def running(server: str, spans_file: Path, log_file: Path) -> Iterator[str]:
    """Start the server in a child process on a free port; yield its base URL; stop it."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.django.settings",
        "FF_OTEL_DJANGO_DB": str(connection.settings_dict["NAME"]),
        SPANS_FILE_ENV: str(spans_file),
    }
    with open(log_file, "wb") as log:
        process = subprocess.Popen(server_command(server, port), cwd=ROOT, env=environment, stdout=log, stderr=log)
        try:
            deadline = time.monotonic() + 20
            while True:
                assert process.poll() is None, log_file.read_text()
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.1)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def fetch(url: str, session_key: str | None, trace_id: str) -> dict[str, object]:
    headers = {"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}
    if session_key is not None:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session_key}"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
        return dict(json.loads(response.read()))


def server_spans(spans_file: Path, expected: int) -> dict[str, dict[str, Any]]:
    """The exported server spans by trace id, once `expected` of them have been written."""
    deadline = time.monotonic() + 10
    while True:
        lines = spans_file.read_text().splitlines() if spans_file.exists() else []
        spans = [json.loads(line) for line in lines]
        server = [span for span in spans if span["kind"] == "SpanKind.SERVER"]
        if len(server) >= expected or time.monotonic() > deadline:
            return {span["context"]["trace_id"].removeprefix("0x"): span for span in server}
        time.sleep(0.05)


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
