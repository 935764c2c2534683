"""Wrapping and unwrapping Split's treatment methods: idempotent, undone cleanly, results untouched."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from split_openfeature_provider import SplitProvider
from splitio.client.client import Client, ClientAsync
from splitio.client.key import Key

import ff_otel
import ff_otel_split
from tests.conftest import Telemetry
from tests.split.conftest import events

METHODS = (
    "get_treatment",
    "get_treatment_with_config",
    "get_treatments",
    "get_treatments_with_config",
    "get_treatments_by_flag_set",
    "get_treatments_by_flag_sets",
    "get_treatments_with_config_by_flag_set",
    "get_treatments_with_config_by_flag_sets",
)


def _calls(client: Any) -> list[object]:
    """One call of each treatment method, with hits, misses and odd input, and what each returned or raised."""
    calls: list[tuple[str, tuple[object, ...]]] = [
        ("get_treatment", ("user-1", "checkout")),
        ("get_treatment", (Key("user-2", "b"), "checkout")),
        ("get_treatment", ("user-1", "no-such-flag")),
        ("get_treatment", ("", "checkout")),
        ("get_treatment_with_config", ("user-1", "checkout", {"plan": "pro"})),
        ("get_treatments", ("user-2", ["checkout", "banner", "no-such-flag"])),
        ("get_treatments_with_config", ("user-1", ["checkout", "banner"])),
        ("get_treatments_by_flag_set", ("user-1", "backend")),
        ("get_treatments_by_flag_sets", ("user-1", ["backend"])),
        ("get_treatments_with_config_by_flag_set", ("user-1", "backend")),
        ("get_treatments_with_config_by_flag_sets", ("user-1", ["backend"])),
        ("get_treatment", ("user-1",)),  # a missing argument: the SDK's own TypeError
    ]
    outcomes: list[object] = []
    for name, args in calls:
        try:
            outcomes.append(getattr(client, name)(*args))
        except TypeError as error:
            outcomes.append((type(error), str(error)))
    return outcomes


def test_the_wrapped_methods_return_and_raise_exactly_what_the_sdk_does(
    telemetry: Telemetry, split_client: Any
) -> None:
    plain = _calls(split_client)
    ff_otel_split.instrument()
    with telemetry.tracer.start_as_current_span("request"):
        wrapped = _calls(split_client)

    assert wrapped == plain
    assert plain[0] == "on"
    assert plain[-1][0] is TypeError  # type: ignore[index]
    assert len(events(telemetry)) == 10  # 5 single treatments, 5 flags in the batches, none for the empty sets


def test_instrument_is_idempotent_and_uninstrument_restores_the_sdks_methods(
    telemetry: Telemetry, split_client: Any
) -> None:
    originals = {(cls, name): cls.__dict__[name] for cls in (Client, ClientAsync) for name in METHODS}
    ff_otel_split.instrument()
    ff_otel_split.instrument()
    assert ff_otel_split.is_instrumented()
    assert all(cls.__dict__[name] is not original for (cls, name), original in originals.items())

    with telemetry.tracer.start_as_current_span("request"):
        split_client.get_treatment("user-1", "checkout")
        ff_otel_split.uninstrument()
        split_client.get_treatment("user-1", "banner")
    ff_otel_split.uninstrument()

    assert not ff_otel_split.is_instrumented()
    assert all(cls.__dict__[name] is original for (cls, name), original in originals.items())
    assert [event["feature_flag.key"] for event in events(telemetry)] == ["checkout"]


def test_a_wrapper_someone_wrapped_again_stands_aside_after_uninstrument(
    telemetry: Telemetry, split_client: Any
) -> None:
    ff_otel_split.instrument()
    ours = Client.get_treatment

    def theirs(self: Any, *args: Any, **kwargs: Any) -> Any:
        return ours(self, *args, **kwargs)

    Client.get_treatment = theirs
    try:
        ff_otel_split.uninstrument()
        assert Client.get_treatment is theirs
        with telemetry.tracer.start_as_current_span("request"):
            assert split_client.get_treatment("user-1", "checkout") == "on"
    finally:
        Client.get_treatment = ours.__wrapped__

    (span,) = telemetry.spans()
    assert span.events == ()


def test_through_splits_openfeature_provider_a_treatment_is_recorded_once(
    telemetry: Telemetry, split_client: Any
) -> None:
    api.set_provider_and_wait(SplitProvider({"SplitClient": split_client}))
    ff_otel.install()
    ff_otel_split.instrument(provider_name="Split SDK")  # the provider calls itself "Split": tell them apart
    with telemetry.tracer.start_as_current_span("request"):
        assert api.get_client().get_string_value("banner", "grey", EvaluationContext("user-1")) == "blue"
        # The same client called directly, outside OpenFeature, is still recorded by the instrumentation.
        assert split_client.get_treatment("user-1", "banner") == "blue"

    recorded = events(telemetry)
    assert [(e["feature_flag.key"], e["feature_flag.provider.name"]) for e in recorded] == [
        ("banner", "Split"),
        ("banner", "Split SDK"),
    ]


def test_importing_the_integration_loads_no_web_framework() -> None:
    frameworks = ("django", "flask", "werkzeug", "fastapi", "starlette")
    script = (
        "import json, sys, ff_otel_split; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {frameworks!r})))"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    completed = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True, env=environment
    )
    assert json.loads(completed.stdout) == []
