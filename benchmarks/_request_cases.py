"""Per-request cases: one endpoint through each framework, with and without OpenTelemetry and ff-otel."""

from __future__ import annotations

import contextlib
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

from openfeature import api
from openfeature.transaction_context import clear_transaction_context_propagator

import ff_otel
from benchmarks._django_app import django_sender, logged_in_cookie
from benchmarks._fastapi_app import fastapi_sender
from benchmarks._flags import EXPECTED, use_flags
from benchmarks._flask_app import flask_sender
from benchmarks._interleave import Batch, Case, timed
from benchmarks._requests import NO_FLAGS_PATH, PATH, Send, Traces, check_recorded

Sender = Callable[..., AbstractContextManager[Send]]
SENDERS: dict[str, Sender] = {"Django": django_sender, "Flask": flask_sender, "FastAPI": fastapi_sender}


@functools.cache
def _traces() -> Traces:
    # One set of providers for the whole run: making them per round would measure their start-up.
    return Traces()


def case(framework: str, name: str, requests: int, path: str = PATH, logged_in: bool = False) -> Case:
    """`requests` requests to `path` of `framework`'s app set up as case `name` says, checked once first."""

    @contextlib.contextmanager
    def run() -> Iterator[Batch]:
        # Each case starts from nothing installed: importing ff_otel_asgi installs ff-otel's stand-in defaults.
        ff_otel.uninstall()
        use_flags()
        traces = _traces()
        traces.clear()
        extra: dict[str, Any] = {"cookie": logged_in_cookie()} if logged_in else {}
        try:
            with SENDERS[framework](name, traces, path, **extra) as send:
                body = json.loads(send())
                if path == PATH:
                    assert body == EXPECTED, body
                    check_recorded(name, traces.spans())
                traces.clear()

                def one_request() -> None:
                    send()
                    traces.clear()

                yield timed(one_request, requests)
        finally:
            ff_otel.uninstall()
            api.clear_hooks()
            api.clear_providers()
            clear_transaction_context_propagator()

    return run


__all__ = ["NO_FLAGS_PATH", "SENDERS", "case"]
