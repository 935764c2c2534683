"""User code that fails inside ff-otel's reach: the request succeeds, one line is logged on `ff_otel`."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import Telemetry
from tests.flask.apps import BROKEN_USER, create_app

pytestmark = pytest.mark.usefixtures("flags")


def ff_otel_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ff_otel" and r.levelno == logging.WARNING]


def test_a_user_loader_that_raises_leaves_the_request_anonymous_and_successful(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    client = create_app().test_client()

    response = client.get("/flags", headers={"X-User": BROKEN_USER}, buffered=True)

    assert response.status_code == 200
    assert response.get_json()["targeting_key"] is None
    (warning,) = ff_otel_warnings(caplog)
    assert "RuntimeError in load_user" in warning
    assert "the user store is down" not in warning  # a store's message may carry a key: only at DEBUG
    (span,) = telemetry.spans()
    assert len(span.events) == 2
    assert all("feature_flag.context.id" not in (event.attributes or {}) for event in span.events)


def test_a_context_builder_that_raises_keeps_the_user_and_the_request_successful(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    def build_context(request: object) -> dict[str, str]:
        raise LookupError("no plan for this account")

    client = create_app(context_builder=build_context).test_client()

    response = client.get("/flags", headers={"X-User": "5"}, buffered=True)

    assert response.status_code == 200
    assert response.get_json() == {"targeting_key": "5", "attributes": {}}
    (warning,) = ff_otel_warnings(caplog)
    assert "context_builder raised: LookupError in build_context" in warning
    (span,) = telemetry.spans()
    assert [(event.attributes or {}).get("feature_flag.context.id") for event in span.events] == ["5", "5"]
