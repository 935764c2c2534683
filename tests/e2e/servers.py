"""The apps under their production servers, in child processes on free ports of 127.0.0.1."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.e2e.receiver import ReceivedLog

ROOT = Path(__file__).resolve().parents[2]

WORKERS = 2
THREADS = 8


@dataclasses.dataclass(frozen=True)
class Deployment:
    """One framework behind one production server."""

    name: str
    framework: str  # "django", "flask" or "fastapi"
    command: tuple[str, ...]  # with {port} to fill in
    processes: int  # worker processes serving requests

    def argv(self, port: int) -> list[str]:
        return [sys.executable, "-m", *(part.format(port=port) for part in self.command)]


def _gunicorn(application: str, *worker: str) -> tuple[str, ...]:
    return ("gunicorn", "--bind", "127.0.0.1:{port}", "--workers", str(WORKERS), "--backlog", "512",
            "--graceful-timeout", "3", "--timeout", "60", "--no-control-socket", *worker, application)  # fmt: skip


def _uvicorn(application: str) -> tuple[str, ...]:
    return ("uvicorn", "--host", "127.0.0.1", "--port", "{port}", "--no-access-log", "--backlog", "512", application)


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """A running deployment; `stop()` ends it (and its workers) within a few seconds, whatever state it is in."""

    def __init__(self, deployment: Deployment, environment: dict[str, str], log_path: Path) -> None:
        self.deployment = deployment
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.startup_logs: list[ReceivedLog] = []
        self._log = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            deployment.argv(self.port),
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stopping it reaches every worker
        )

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until every worker can answer (each loads the app and connects to flagd on its own)."""
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.deployment.name} exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200 and self.log().count("Booting worker") >= self._expected_boots():
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.deployment.name} did not start:\n{self.log()}")
            time.sleep(0.2)

    def _expected_boots(self) -> int:
        return self.deployment.processes if self.deployment.command[0] == "gunicorn" else 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left after a grace period."""
        try:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=5)
            # Workers that outlived their master (they should not) go with the group too.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        finally:
            self._log.close()


DEPLOYMENTS = (DJANGO_GUNICORN, FLASK_GUNICORN, FASTAPI_GUNICORN, DJANGO_UVICORN)
"""Every deployment, in the order the suite runs them."""
