"""One server span per request, ours or FlaskInstrumentor's, whichever was set up first; with its flag summary."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version

import flask
import pytest
from openfeature import api
from opentelemetry import trace
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind
from packaging.version import Version

from ff_otel_flask import FeatureFlags
from tests.conftest import Telemetry
from tests.flask.apps import create_app, create_bare_app, instrument_app

pytestmark = pytest.mark.usefixtures("flags")

EVENT = "feature_flag.evaluation"
WSGI_SCOPE = "opentelemetry.instrumentation.wsgi"
FLASK_SCOPE = "opentelemetry.instrumentation.flask"
# Flask 3.1.2 tears a request down (ending FlaskInstrumentor's span) before a `stream_with_context` body is sent;
# earlier releases, Flask 2.3 among them, only after its last chunk.
TEARDOWN_BEFORE_STREAMED_BODY = Version(version("flask")) >= Version("3.1.2")


def server_span(telemetry: Telemetry) -> ReadableSpan:
    """The one server span the request produced (fails when there are none or several)."""
    (span,) = [span for span in telemetry.spans() if span.kind is SpanKind.SERVER]
    return span


def assert_flags_on(span: ReadableSpan, user_id: str) -> None:
    events = [event for event in span.events if event.name == EVENT]
    assert [(event.attributes or {}).get("feature_flag.key") for event in events] == ["new-checkout", "banner-color"]
    assert {(event.attributes or {}).get("feature_flag.context.id") for event in events} == {user_id}
    attributes = span.attributes or {}
    assert tuple(attributes["ff_otel.flags"]) == ("new-checkout=on", "banner-color=red")  # type: ignore[arg-type]
    assert attributes["ff_otel.flags.count"] == 2
    assert attributes["ff_otel.evaluations"] == 2


def test_without_flask_instrumentor_one_server_span_named_after_the_route_is_started(telemetry: Telemetry) -> None:
    response = create_app().test_client().get("/flags", headers={"X-User": "5"}, buffered=True)

    assert response.status_code == 200
    span = server_span(telemetry)
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == WSGI_SCOPE
    assert span.name == "GET /flags"
    assert (span.attributes or {})["http.route"] == "/flags"
    assert_flags_on(span, "5")
    assert len(telemetry.spans()) == 1


def test_with_span_creation_off_no_span_is_started_and_evaluations_become_log_records(telemetry: Telemetry) -> None:
    body = create_app(start_span=False).test_client().get("/flags", headers={"X-User": "5"}, buffered=True).get_json()

    assert body["targeting_key"] == "5"
    assert telemetry.spans() == ()
    assert [(log.log_record.attributes or {}).get("feature_flag.context.id") for log in telemetry.logs()] == ["5", "5"]


def test_with_flask_instrumentor_instrument_before_the_app_its_span_is_used(
    telemetry: Telemetry, instrumentor: FlaskInstrumentor
) -> None:
    instrumentor.instrument()
    app = create_app()

    create_app().test_client()  # a second instrumented app must not disturb the first
    response = app.test_client().get("/flags", headers={"X-User": "5"}, buffered=True)

    assert response.status_code == 200
    span = server_span(telemetry)
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == FLASK_SCOPE
    assert_flags_on(span, "5")
    assert len(telemetry.spans()) == 1


def instrument_then_init(app: flask.Flask) -> None:
    instrument_app(app)
    FeatureFlags(app)


def init_then_instrument(app: flask.Flask) -> None:
    FeatureFlags(app)
    instrument_app(app)


@pytest.mark.parametrize("set_up", [instrument_then_init, init_then_instrument])
def test_with_flask_instrumentor_instrument_app_in_either_order_its_span_is_used(
    telemetry: Telemetry,
    set_up: Callable[[flask.Flask], None],
) -> None:
    app = create_bare_app()
    set_up(app)
    client = app.test_client()

    for user_id in ("5", "6"):
        telemetry.clear()
        assert client.get("/flags", headers={"X-User": user_id}, buffered=True).status_code == 200

        span = server_span(telemetry)
        assert span.instrumentation_scope is not None
        assert span.instrumentation_scope.name == FLASK_SCOPE
        assert_flags_on(span, user_id)
        assert len(telemetry.spans()) == 1


def test_a_streamed_body_keeps_the_context_and_the_span_until_its_last_chunk(telemetry: Telemetry) -> None:
    client = create_app().test_client()

    response = client.get("/stream", headers={"X-User": "5"}, buffered=True)

    assert response.get_data(as_text=True) == "10,10,10,5"
    span = server_span(telemetry)
    events = [event for event in span.events if event.name == EVENT]
    assert [(event.attributes or {}).get("feature_flag.context.id") for event in events] == ["5", "5", "5"]
    assert api.get_transaction_context().targeting_key is None  # restored once the body is closed


def test_a_500_keeps_its_events_and_summary_and_the_context_is_restored(telemetry: Telemetry) -> None:
    response = create_app().test_client().get("/boom", headers={"X-User": "5"}, buffered=True)

    assert response.status_code == 500
    span = server_span(telemetry)
    assert_flags_on(span, "5")
    assert api.get_transaction_context().targeting_key is None


def test_an_exception_that_propagates_out_of_the_app_still_restores_the_context(telemetry: Telemetry) -> None:
    app = create_app()
    app.testing = True  # exceptions propagate to the caller instead of becoming a 500

    with pytest.raises(RuntimeError, match="the view failed"):
        app.test_client().get("/boom", headers={"X-User": "5"}, buffered=True)

    assert api.get_transaction_context().targeting_key is None
    assert_flags_on(server_span(telemetry), "5")


def test_excluded_urls_get_no_span_and_no_identity_work(telemetry: Telemetry) -> None:
    looked_up: list[object] = []

    def identity(request: flask.Request) -> str:
        looked_up.append(request)
        return "5"

    client = create_app(excluded_urls="healthz", identity=identity).test_client()

    assert client.get("/healthz", buffered=True).get_json()["targeting_key"] is None
    assert looked_up == []
    assert telemetry.spans() == ()
    assert client.get("/flags", buffered=True).get_json()["targeting_key"] == "5"
    assert len(looked_up) == 1


def test_a_body_streamed_under_flask_instrumentors_span_records_every_evaluation_once_in_its_trace(
    telemetry: Telemetry,
) -> None:
    app = create_bare_app()
    FeatureFlags(app)
    instrument_app(app)  # its span ends at the request's teardown

    response = app.test_client().get("/stream", headers={"X-User": "5"}, buffered=True)

    assert response.get_data(as_text=True) == "10,10,10,5"
    span = server_span(telemetry)
    events = [event for event in span.events if event.name == EVENT]
    records = [record.log_record for record in telemetry.logs()]
    if TEARDOWN_BEFORE_STREAMED_BODY:
        # The span has ended when the body streams: each evaluation is a log record in the request's trace.
        assert events == []
        assert [(r.attributes or {}).get("feature_flag.context.id") for r in records] == ["5", "5", "5"]
        assert {r.trace_id for r in records} == {span.context.trace_id}
    else:
        # The request is torn down after its body streamed: the span is still open, each evaluation an event on it.
        assert records == []
        assert [(e.attributes or {}).get("feature_flag.context.id") for e in events] == ["5", "5", "5"]
    assert not trace.get_current_span().get_span_context().is_valid  # no span left current after the response
