"""A sample app in its own process, on a free port of 127.0.0.1, exporting OTLP to the demo's collector."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO

import sample_apps

FRAMEWORKS = ("fastapi", "flask", "django")
"""The sample apps, by framework; `python -m sample_apps.<framework>_app` runs each."""

PROJECT_ROOT = Path(sample_apps.__file__).resolve().parent.parent


class SampleAppError(RuntimeError):
    """The sample app did not start, or did not stop, as it should."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def app_environment(otlp_endpoint: str, workdir: Path) -> dict[str, str]:
    """The environment of the app: this one without OpenTelemetry settings of its own, then the demo's."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("OTEL_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        {
            "OTEL_EXPORTER_OTLP_ENDPOINT": otlp_endpoint,
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            # Export within a fraction of a second; everything left is flushed when the app exits.
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            "OTEL_BLRP_SCHEDULE_DELAY": "200",
            "SAMPLE_DJANGO_DATABASE": str(workdir / "db.sqlite3"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class SampleApp:
    """Runs ``python -m sample_apps.<framework>_app`` until the block ends, then stops it with Ctrl-C.

    Usage::

        with SampleApp("fastapi", otlp_endpoint=collector.endpoint) as app:
            urllib.request.urlopen(app.base_url + "/")
    """

    def __init__(self, framework: str, *, otlp_endpoint: str, start_timeout: float = 30.0) -> None:
        if framework not in FRAMEWORKS:
            raise ValueError(f"unknown framework {framework!r}; choose one of {', '.join(FRAMEWORKS)}")
        self.framework = framework
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._otlp_endpoint = otlp_endpoint
        self._start_timeout = start_timeout
        self._workdir = tempfile.TemporaryDirectory(prefix=f"ff-otel-{framework}-")
        self._output: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SampleApp:
        workdir = Path(self._workdir.name)
        self._output = (workdir / "output.log").open("w+b")
        self._process = subprocess.Popen(
            [sys.executable, "-m", f"sample_apps.{self.framework}_app", "--port", str(self.port)],
            cwd=PROJECT_ROOT,
            env=app_environment(self._otlp_endpoint, workdir),
            stdin=subprocess.DEVNULL,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            self._workdir.cleanup()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self.stop()
        finally:
            if self._output is not None:
                self._output.close()
            self._workdir.cleanup()

    def output(self) -> str:
        """What the app printed so far (stdout and stderr)."""
        if self._output is None:
            return ""
        self._output.flush()
        self._output.seek(0)
        return self._output.read().decode(errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        """Stop the app as Ctrl-C would, so it flushes its telemetry on the way out; return its exit code. The
        timeout leaves room for that flush on a busy machine (the SDK's own export timeout is 30 s)."""
        process = self._process
        if process is None:
            return 0
        if process.poll() is None:
            self._settle()
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise SampleAppError(f"the {self.framework} app did not stop within {timeout:g} s") from None
        return process.returncode

    def _settle(self) -> None:
        # A threaded server may still be closing the last response it sent (which ends that request's span) when
        # the client has read it; one more request, excluded from telemetry, lets it finish before the signal.
        try:
            with urllib.request.urlopen(self.base_url + "/healthz", timeout=2):
                pass
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self._start_timeout
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SampleAppError(
                    f"the {self.framework} app exited with code {self._process.returncode}:\n{self.output()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)
        raise SampleAppError(
            f"the {self.framework} app did not answer within {self._start_timeout:g} s:\n{self.output()}"
        )
