"""The apps under their production servers, in child processes on sockets of 127.0.0.1 bound by the test."""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

from sample_apps.demo.records import ExportedLog
from tests._support.servers import ServerProcess

WORKERS = 2
THREADS = 8


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One framework behind one production server."""

    name: str
    framework: str  # "django", "flask" or "fastapi"
    command: tuple[str, ...]  # naming the inherited listening socket as {fd}
    processes: int  # worker processes serving requests

    def argv(self) -> list[str]:
        return [sys.executable, "-m", *self.command]


def _gunicorn(application: str, *worker: str) -> tuple[str, ...]:
    return ("gunicorn", "--bind", "fd://{fd}", "--workers", str(WORKERS), "--backlog", "512",
            "--graceful-timeout", "3", "--timeout", "60", "--no-control-socket", *worker, application)  # fmt: skip


def _uvicorn(application: str) -> tuple[str, ...]:
    return ("uvicorn", "--fd", "{fd}", "--no-access-log", "--backlog", "512", application)


DJANGO_GUNICORN = Deployment(
    "django-gunicorn",
    "django",
    _gunicorn("tests.e2e.apps.django_site.wsgi:application", "--worker-class", "gthread", "--threads", str(THREADS)),
    WORKERS,
)
FLASK_GUNICORN = Deployment(
    "flask-gunicorn",
    "flask",
    _gunicorn("tests.e2e.apps.flask_app:app", "--worker-class", "gthread", "--threads", str(THREADS)),
    WORKERS,
)
FASTAPI_GUNICORN = Deployment(
    "fastapi-gunicorn-uvicorn",
    "fastapi",
    _gunicorn("tests.e2e.apps.fastapi_app:app", "--worker-class", "uvicorn.workers.UvicornWorker"),
    WORKERS,
)
DJANGO_UVICORN = Deployment("django-asgi-uvicorn", "django", _uvicorn("tests.e2e.apps.django_site.asgi:application"), 1)


class Server(ServerProcess):
    """A running deployment; `stop()` ends it (and its workers) within a few seconds, whatever state it is in."""

    def __init__(
        self,
        deployment: Deployment,
        environment: dict[str, str],
        log_path: Path,
        extra_sockets: Sequence[socket.socket] = (),
    ) -> None:
        super().__init__(
            deployment.argv(), env={**os.environ, **environment}, log=log_path, extra_sockets=extra_sockets
        )
        self.deployment = deployment
        self.startup_logs: list[ExportedLog] = []

    def wait_until_serving(self, timeout: float = 60) -> None:
        """Wait until every worker can answer (each loads the app and connects to flagd on its own)."""
        answers = self.answers("/healthz")
        boots = self.deployment.processes if self.deployment.command[0] == "gunicorn" else 0
        self.wait_ready(lambda: answers() and self.log().count("Booting worker") >= boots,
                        what=self.deployment.name, timeout=timeout)  # fmt: skip


DEPLOYMENTS = (DJANGO_GUNICORN, FLASK_GUNICORN, FASTAPI_GUNICORN, DJANGO_UVICORN)
"""Every deployment, in the order the suite runs them."""
