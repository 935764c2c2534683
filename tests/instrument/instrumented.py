"""Running a test app under `opentelemetry-instrument` in a subprocess, and reading the spans it exported."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OPENTELEMETRY_INSTRUMENT = str(Path(sys.executable).with_name("opentelemetry-instrument"))
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def base_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The process environment minus any ff-otel or OpenTelemetry settings of this one, plus `extra`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "FF_OTEL", "DJANGO_SETTINGS"))}
    environ.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONUNBUFFERED": "1",
            "OTEL_SERVICE_NAME": "ff-otel-zero-code-test",
            "OTEL_TRACES_EXPORTER": "console",
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
        }
    )
    environ.update(extra)
    return environ


def serve_and_get(
    command: Sequence[str], port: int, environ: Mapping[str, str], requests: Sequence[Mapping[str, str]]
) -> tuple[list[str], str, str]:
    """Start `opentelemetry-instrument <command>`, GET `/` once per headers mapping, stop it gracefully.

    Returns the response bodies and the process's stdout and stderr.
    """
    process = subprocess.Popen(
        [OPENTELEMETRY_INSTRUMENT, *command],
        cwd=ROOT,
        env=base_environment(environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    bodies: list[str] = []
    try:
        _wait_until_serving(process, port)
        for headers in requests:
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers=dict(headers))
            with urllib.request.urlopen(request, timeout=10) as response:
                bodies.append(response.read().decode())
    finally:
        # SIGINT stops each server gracefully, so the SDK flushes its spans at exit.
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
    return bodies, stdout, stderr


def _wait_until_serving(process: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the app exited with {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"the app did not listen on port {port} within {START_TIMEOUT}s")


def console_spans(stdout: str) -> list[dict[str, Any]]:
    """The spans the console exporter printed (JSON objects), skipping any other output of the app."""
    decoder = json.JSONDecoder()
    spans: list[dict[str, Any]] = []
    index = stdout.find("{")
    while index != -1:
        try:
            value, end = decoder.raw_decode(stdout, index)
        except json.JSONDecodeError:
            index = stdout.find("{", index + 1)
            continue
        if isinstance(value, dict) and "context" in value and "events" in value:
            spans.append(value)
        index = stdout.find("{", end)
    return spans


def server_spans(spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [span for span in spans if span["kind"] == "SpanKind.SERVER"]


def flag_events(span: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [event for event in span["events"] if event["name"].startswith("feature_flag")]
