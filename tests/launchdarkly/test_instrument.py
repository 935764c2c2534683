"""Turning the LaunchDarkly instrumentation on and off, and one record per evaluation with OpenFeature too."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ld_openfeature import LaunchDarklyProvider
from ldclient import Config, Context, LDClient
from ldclient.integrations.test_data import TestData
from openfeature import api
from openfeature.evaluation_context import EvaluationContext

import ff_otel
import ff_otel_launchdarkly
from tests.conftest import Telemetry
from tests.launchdarkly.conftest import events


def test_instrumenting_twice_adds_no_second_hook(telemetry: Telemetry, ld_client: LDClient) -> None:
    first = ff_otel_launchdarkly.instrument(ld_client)
    second = ff_otel_launchdarkly.instrument(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        ld_client.variation("new-checkout", Context.create("user-1"), False)

    assert first is second
    assert len(events(telemetry)) == 1


def test_uninstrument_stops_recording_and_instrument_resumes(telemetry: Telemetry, ld_client: LDClient) -> None:
    ff_otel_launchdarkly.instrument(ld_client)
    ff_otel_launchdarkly.uninstrument(ld_client)
    assert not ff_otel_launchdarkly.is_instrumented(ld_client)
    with telemetry.tracer.start_as_current_span("request"):
        assert ld_client.variation("new-checkout", Context.create("user-1"), False) is True
        ff_otel_launchdarkly.instrument(ld_client)
        assert ld_client.variation("banner-color", Context.create("user-1"), "grey") == "red"

    assert [event["feature_flag.key"] for event in events(telemetry)] == ["banner-color"]
    assert ff_otel_launchdarkly.is_instrumented(ld_client)


def test_uninstrumenting_a_client_never_instrumented_is_harmless(ld_client: LDClient) -> None:
    ff_otel_launchdarkly.uninstrument(ld_client)
    assert not ff_otel_launchdarkly.is_instrumented(ld_client)


def test_instrument_installs_ff_otel_only_when_nothing_has(ld_client: LDClient) -> None:
    ff_otel.install(semconv="both")
    ff_otel_launchdarkly.instrument(ld_client)
    installation = ff_otel.current_installation()
    assert installation is not None
    assert installation.options.semconv == "both"  # the earlier install's options stay in force

    ff_otel.uninstall()
    ff_otel_launchdarkly.instrument(ld_client)
    installation = ff_otel.current_installation()
    assert installation is not None
    assert installation.options.semconv == "latest"


def test_through_launchdarklys_openfeature_provider_an_evaluation_is_recorded_once(
    telemetry: Telemetry, source: TestData
) -> None:
    provider = LaunchDarklyProvider(Config("test-sdk-key", update_processor_class=source, send_events=False))
    api.set_provider_and_wait(provider)
    ff_otel.install()
    ff_otel_launchdarkly.instrument(provider.client)
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        assert client.get_boolean_value("new-checkout", False, EvaluationContext("user-1")) is True
        # The same client called directly, outside OpenFeature, is still recorded by its own hook.
        assert provider.client.variation("new-checkout", Context.create("user-1"), False) is True

    assert [(e["feature_flag.key"], e["feature_flag.provider.name"]) for e in events(telemetry)] == [
        ("new-checkout", "launchdarkly-openfeature-server"),
        ("new-checkout", "LaunchDarkly"),
    ]


def test_importing_the_integration_loads_no_web_framework() -> None:
    frameworks = ("django", "flask", "werkzeug", "fastapi", "starlette")
    script = (
        "import json, sys, ff_otel_launchdarkly; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {frameworks!r})))"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    completed = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, env=environment
    )
    assert json.loads(completed.stdout) == []
