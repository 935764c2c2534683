"""The Flask application of the per-request and memory benchmarks, in each case's set-up."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import flask
from opentelemetry.instrumentation.flask import FlaskInstrumentor

from benchmarks._callers import wsgi_sender
from benchmarks._flags import evaluate_flags
from benchmarks._requests import (
    HOOK_POINTS,
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

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


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
    elif case == HOOK_POINTS:
        add_do_nothing_hooks(app)
    add_hooks(case, traces)
    try:
        yield wsgi_sender(app, path)
    finally:
        if instrumented(case):
            FlaskInstrumentor().uninstrument_app(app)  # type: ignore[no-untyped-call]


def add_do_nothing_hooks(app: flask.Flask) -> None:
    """Hook in where ff-otel's extension does (`request_started`, `after_request`, `teardown_request`, a
    `wsgi_app` wrapper), doing nothing."""
    inner = app.wsgi_app

    def wsgi_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return inner(environ, start_response)

    flask.request_started.connect(_do_nothing, app)
    app.after_request(_unchanged)
    app.teardown_request(_do_nothing)
    app.wsgi_app = wsgi_app  # type: ignore[method-assign]


def _do_nothing(*_: object, **__: object) -> None:
    return None


def _unchanged(response: flask.Response) -> flask.Response:
    return response
