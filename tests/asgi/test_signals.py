"""The signal options given to the middleware: log records in the server span's context, evaluation spans."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.asgi.apps import starlette_app, summary, the_server_span
from tests.conftest import Telemetry

pytestmark = pytest.mark.usefixtures("flags")


def test_log_events_carry_the_server_spans_ids_and_the_summary_stays(telemetry: Telemetry) -> None:
    with TestClient(starlette_app(ours_outside=True, events="log")) as client:
        assert client.get("/flags").status_code == 200

    server = the_server_span(telemetry.spans())
    assert server.events == ()
    records = [r.log_record for r in telemetry.logs() if r.log_record.event_name == "feature_flag.evaluation"]
    assert len(records) == 2
    assert server.context is not None
    assert {(r.trace_id, r.span_id) for r in records} == {(server.context.trace_id, server.context.span_id)}
    assert summary(server)["ff_otel.evaluations"] == 2


def test_evaluation_spans_are_children_of_the_server_span(telemetry: Telemetry) -> None:
    with TestClient(starlette_app(ours_outside=True, evaluation_spans=True)) as client:
        assert client.get("/flags").status_code == 200

    spans = telemetry.spans()
    server = the_server_span(spans)
    evaluations = [s for s in spans if s.name == "feature_flag.evaluation"]
    assert len(evaluations) == 2
    assert server.context is not None
    assert all(s.parent is not None and s.parent.span_id == server.context.span_id for s in evaluations)
    assert server.events == ()
    assert summary(server)["ff_otel.flags"] == ("new-checkout=on", "banner-color=red")
