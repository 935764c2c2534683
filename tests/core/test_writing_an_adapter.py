"""The README's "Writing an adapter": a framework of its own, on `ff_otel.integration` alone, gets what ours get."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from openfeature import api
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.trace import SpanKind

from ff_otel.integration import WebRequests, activate, semconv, split_options
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")


def tiny_framework(user_options: dict[str, Any]) -> Callable[[dict[str, Any]], tuple[int, list[bool]]]:
    """A WSGI-ish framework: routes `/orders/<id>`, knows its user from a header, keeps sessions in a dict."""
    core, options = split_options(user_options, default_secret_key="framework-secret")
    activate(core)
    requests = WebRequests("tiny_framework", core, options, frameworks=("TINY",))
    sessions: dict[str, dict[str, Any]] = {}

    def view() -> list[bool]:
        client = api.get_client()
        return [client.get_boolean_value("new-checkout", False) for _ in range(2)]

    def handle(environ: dict[str, Any]) -> tuple[int, list[bool]]:
        if requests.excludes(lambda: environ["PATH_INFO"]):
            return 200, view()
        session = sessions.setdefault(environ.get("HTTP_COOKIE", ""), {})
        served = requests.serve(
            environ,
            find_identity=lambda: requests.visitor(environ.get("HTTP_X_USER"), session=session),
            method=environ["REQUEST_METHOD"],
            route=lambda: "/orders/<id>" if environ["PATH_INFO"].startswith("/orders/") else None,
            carrier=environ,
        )
        with served:
            body = view()
        served.finish(200)
        return 200, body

    return handle


def environ_for(path: str, **headers: str) -> dict[str, Any]:
    environ: dict[str, Any] = {"PATH_INFO": path, **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    setup_testing_defaults(environ)
    return environ


def evaluation_events(telemetry: Telemetry) -> list[Any]:
    return [event for span in telemetry.spans() for event in span.events if event.name == semconv.EVALUATION_EVENT]


def test_a_request_gets_its_own_server_span_named_after_the_route_with_its_user_and_summary(
    telemetry: Telemetry,
) -> None:
    handle = tiny_framework({})

    assert handle(environ_for("/orders/7", x_user="42")) == (200, [True, True])

    (span,) = telemetry.spans()
    assert span.kind is SpanKind.SERVER
    assert span.name == "GET /orders/<id>"
    assert [(e.attributes or {}).get(semconv.CONTEXT_ID) for e in evaluation_events(telemetry)] == ["42", "42"]
    assert (span.attributes or {})[semconv.SUMMARY_FLAGS] == ("new-checkout=on",)


def test_a_visitor_without_a_user_keeps_one_hashed_anonymous_id_when_asked_to(telemetry: Telemetry) -> None:
    handle = tiny_framework({"persist_anonymous_id": True})

    handle(environ_for("/orders/1", cookie="visitor-a"))
    handle(environ_for("/orders/2", cookie="visitor-a"))
    handle(environ_for("/orders/3", cookie="visitor-b"))

    ids = [(e.attributes or {}).get(semconv.CONTEXT_ID) for e in evaluation_events(telemetry)]
    assert ids[0] == ids[1] == ids[2] == ids[3] != ids[4] == ids[5]
    assert all(isinstance(one, str) and len(one) == 32 for one in ids)


def test_an_excluded_url_is_left_alone(telemetry: Telemetry) -> None:
    handle = tiny_framework({"excluded_urls": "/healthz"})

    assert handle(environ_for("/healthz")) == (200, [True, True])

    assert not [span for span in telemetry.spans() if span.kind is SpanKind.SERVER]


def test_a_span_processor_that_raises_at_the_spans_end_leaves_the_request_going(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Failing(SpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            raise RuntimeError("processor broke")

    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(Failing())
    handle = tiny_framework({"tracer_provider": provider})

    with caplog.at_level(logging.WARNING, logger="ff_otel"):
        assert handle(environ_for("/orders/7", x_user="42")) == (200, [True, True])
    assert "could not end the request's server span" in caplog.text
