"""Apps with no ff-otel line, run under `opentelemetry-instrument` with the console exporter: flag events appear
on their request spans, with the request's identity and the options from the environment.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.instrument.flags import FLAGS
from tests.instrument.instrumented import console_spans, flag_events, serve_and_get, server_spans

pytestmark = pytest.mark.slow

EXPECTED = {"new-checkout": "on", "banner-color": "red"}


def _command(app: str) -> list[str]:
    """The app's server, on the listening socket `serve_and_get` hands over (``{fd}``, and in the environment)."""
    if app == "flask":
        return [sys.executable, "-m", "tests.instrument.flask_site"]
    if app == "fastapi":
        return [sys.executable, "-m", "uvicorn", "tests.instrument.fastapi_site:app", "--fd", "{fd}"]
    return [sys.executable, "-m", "django", "runserver", "--noreload", "--skip-checks", "127.0.0.1:0"]


def _environment(app: str, **extra: str) -> dict[str, str]:
    environ = {"DJANGO_SETTINGS_MODULE": "tests.instrument.django_site.settings"} if app == "django" else {}
    return {**environ, **extra}


def _run(app: str, requests: list[dict[str, str]], **extra: str) -> tuple[list[str], list[dict[str, Any]], str]:
    bodies, stdout, stderr = serve_and_get(_command(app), _environment(app, **extra), requests)
    return bodies, server_spans(console_spans(stdout)), stderr


@pytest.mark.parametrize("app", ["flask", "fastapi", "django"])
def test_flag_events_land_on_the_request_span_of_an_app_with_no_ff_otel_code(app: str) -> None:
    bodies, spans, stderr = _run(app, [{}])
    assert bodies == ["checkout=True color=#c05543"]
    assert len(spans) == 1, stderr
    events = flag_events(spans[0])
    assert {e["attributes"]["feature_flag.key"]: e["attributes"]["feature_flag.result.variant"] for e in events} == {
        key: FLAGS[key].default_variant for key in EXPECTED
    }
    assert all(e["name"] == "feature_flag.evaluation" for e in events)
    assert sorted(spans[0]["attributes"]["ff_otel.flags"]) == sorted(f"{k}={v}" for k, v in EXPECTED.items())


def test_django_site_gets_the_signed_in_user_as_context_and_options_from_the_environment() -> None:
    bodies, spans, stderr = _run(
        "django", [{"X-User": "42"}, {}], OTEL_PYTHON_FF_OTEL_SEMCONV="both", OTEL_PYTHON_FF_OTEL_CAPTURE_VALUE="never"
    )
    assert len(bodies) == 2
    assert len(spans) == 2, stderr
    signed_in, anonymous = spans
    for event in flag_events(signed_in):  # `both`: the current names, and the legacy ones beside them
        assert event["attributes"]["feature_flag.variant"] == event["attributes"]["feature_flag.result.variant"]
    assert {event["attributes"].get("feature_flag.context.id") for event in flag_events(signed_in)} == {"42"}
    assert all("feature_flag.context.id" not in event["attributes"] for event in flag_events(anonymous))
    assert all("feature_flag.result.value" not in event["attributes"] for event in flag_events(signed_in))


@pytest.mark.parametrize(
    "switch",
    [{"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "ff_otel"}, {"OTEL_PYTHON_FF_OTEL_ENABLED": "false"}],
    ids=["disabled-instrumentations", "kill-switch"],
)
def test_switched_off_ff_otel_records_nothing(switch: dict[str, str]) -> None:
    bodies, spans, stderr = _run("fastapi", [{}], **switch)
    assert bodies == ["checkout=True color=#c05543"]
    assert len(spans) == 1, stderr  # the request is still traced by the other instrumentations
    assert flag_events(spans[0]) == []


def test_a_bad_option_in_the_environment_is_logged_and_the_app_serves_on() -> None:
    bodies, spans, stderr = _run("flask", [{}], OTEL_PYTHON_FF_OTEL_SEMCONV="newest")
    assert bodies == ["checkout=True color=#c05543"]
    assert "OTEL_PYTHON_FF_OTEL_SEMCONV: ff_otel option 'semconv' must be one of" in stderr
    assert len(spans) == 1, stderr
    assert flag_events(spans[0]) == []
