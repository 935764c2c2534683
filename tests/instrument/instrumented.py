"""Running a test app under `opentelemetry-instrument` in a subprocess, and reading the spans it exported."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tests._support.servers import ROOT, ServerProcess

OPENTELEMETRY_INSTRUMENT = str(Path(sys.executable).with_name("opentelemetry-instrument"))
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


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
    command: Sequence[str], environ: Mapping[str, str], requests: Sequence[Mapping[str, str]]
) -> tuple[list[str], str, str]:
    """Start `opentelemetry-instrument <command>` on a socket bound here, GET `/` once per headers mapping, stop it
    gracefully.

    Returns the response bodies and the process's stdout and stderr. The first request waits in the socket's
    backlog until the app serves: no request of its own to find out, which would add a span.
    """
    server = ServerProcess([OPENTELEMETRY_INSTRUMENT, *command], env=base_environment(environ))
    bodies: list[str] = []
    try:
        for number, headers in enumerate(requests):
            request = urllib.request.Request(f"{server.url}/", headers=dict(headers))
            timeout = START_TIMEOUT + REQUEST_TIMEOUT if number == 0 else REQUEST_TIMEOUT
            with urllib.request.urlopen(request, timeout=timeout) as response:
                bodies.append(response.read().decode())
    except OSError as error:
        _, stderr = server.finish(grace=STOP_TIMEOUT)
        raise AssertionError(f"the app did not answer, exit status {server.process.returncode}:\n{stderr}") from error
    # SIGINT stops each server gracefully, so the SDK flushes its spans at exit.
    stdout, stderr = server.finish(grace=STOP_TIMEOUT)
    return bodies, stdout, stderr


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
