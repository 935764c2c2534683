"""The Flask application of the per-request and memory benchmarks, in each case's set-up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import flask
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from benchmarks._callers import wsgi_sender
from benchmarks._flags import evaluate_flags
from benchmarks._requests import (
    NO_FLAGS_PATH,
    PATH,
    Send,
    Traces,
    adapter_options,
    add_hooks,
    instrumented,
    uses_adapter,
)
from ff_otel_flask import FeatureFlags


@contextlib.contextmanager
def flask_sender(case: str, traces: Traces, path: str = PATH) -> Iterator[Send]:
    """A fresh Flask app set up as `case` says, and a sender of its `GET path`."""
    app = flask.Flask("ff_otel_benchmarks")
    app.secret_key = "ff-otel-benchmarks-not-a-real-secret"

    @app.get(PATH)
    def flags() -> dict[str, Any]:
        return evaluate_flags()

    @app.get(NO_FLAGS_PATH)
    def no_flags() -> dict[str, Any]:
        return {}

    if instrumented(case):
        FlaskInstrumentor().instrument_app(app, tracer_provider=traces.tracer_provider)  # type: ignore[no-untyped-call]
    if uses_adapter(case):
        FeatureFlags(app, **adapter_options(case, traces))
    add_hooks(case, traces)
    try:
        yield wsgi_sender(app, path)
    finally:
        if instrumented(case):
            FlaskInstrumentor().uninstrument_app(app)  # type: ignore[no-untyped-call]
