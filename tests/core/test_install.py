"""install() and uninstall(), and option validation."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from openfeature import api
from openfeature import client as client_module
from openfeature.client import OpenFeatureClient
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from openfeature.transaction_context import ContextVarsTransactionContextPropagator, set_transaction_context_propagator

import ff_otel
from ff_otel._context import propagator_is_ours
from ff_otel._install import recorder_for
from ff_otel._recorder import Recorder
from ff_otel.integration import activate, activate_defaults
from tests.conftest import Telemetry


@pytest.mark.usefixtures("flags")
def test_installing_twice_never_records_an_evaluation_twice(telemetry: Telemetry) -> None:
    first = ff_otel.install()
    second = ff_otel.install(semconv="both")
    assert first.path is second.path
    assert first.recording == "client wrapper"
    assert api.get_hooks() == []
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("new-checkout", False)

    (span,) = telemetry.spans()
    (event,) = span.events
    assert "feature_flag.variant" in (event.attributes or {})  # the later options are in force


@pytest.mark.usefixtures("hook_path")
def test_the_hook_comes_back_after_the_global_hooks_were_cleared() -> None:
    installation = ff_otel.install()
    assert installation.recording == "hook"
    api.clear_hooks()
    ff_otel.install()
    assert api.get_hooks() == [installation.hook]


@pytest.mark.usefixtures("hook_path")
def test_uninstall_removes_only_its_hook_and_restores_the_propagator() -> None:
    other = ff_otel.FeatureFlagHook.__mro__[1]()  # a plain OpenFeature Hook of the application's
    api.add_hooks([other])
    sdk_propagator = ContextVarsTransactionContextPropagator()
    set_transaction_context_propagator(sdk_propagator)

    ff_otel.install()
    assert propagator_is_ours()
    ff_otel.uninstall()

    assert api.get_hooks() == [other]
    assert not propagator_is_ours()
    ff_otel.uninstall()  # a second call is harmless


def test_uninstall_restores_the_clients_own_evaluation_methods() -> None:
    sync, asynchronous = OpenFeatureClient.evaluate_flag_details, OpenFeatureClient.evaluate_flag_details_async
    error_stage = client_module.error_hooks  # type: ignore[attr-defined]
    ff_otel.install()
    assert OpenFeatureClient.evaluate_flag_details is not sync
    assert client_module.error_hooks is not error_stage  # type: ignore[attr-defined]
    ff_otel.install(semconv="both")  # a second install wraps nothing twice
    assert OpenFeatureClient.evaluate_flag_details.__wrapped__ is sync  # type: ignore[attr-defined]
    ff_otel.uninstall()
    assert (OpenFeatureClient.evaluate_flag_details, OpenFeatureClient.evaluate_flag_details_async) == (
        sync,
        asynchronous,
    )
    assert client_module.error_hooks is error_stage  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"semconv": "newest"}, "'semconv' must be one of latest, legacy, both"),
        ({"capture_value": True}, "'capture_value' must be one of auto, always, never"),
        ({"max_value_length": 0}, "'max_value_length' must be a positive integer"),
        ({"max_events_per_span": -1}, "'max_events_per_span' must be a positive integer"),
        ({"redact": "yes"}, "'redact' must be callable"),
        ({"value_denylist": "secret-flag"}, "'value_denylist' must be a collection of flag keys"),
        ({"metrics": "on"}, "'metrics' must be True or False"),
        ({"pseudonymize_context_id": True}, "'pseudonymize_context_id' needs 'secret_key'"),
        ({"tracer_provider": object()}, "'tracer_provider' must be a opentelemetry.trace.TracerProvider"),
        ({"events": "spans"}, "'events' must be one of span, log, both"),
        ({"evaluation_spans": 1}, "'evaluation_spans' must be True or False"),
        ({"exclude_exceptions": "yes"}, "'exclude_exceptions' must be True or False"),
        ({"attribute_mapper": {"team": "web"}}, "'attribute_mapper' must be callable"),
        ({"event_mutator": "drop"}, "'event_mutator' must be callable"),
        ({"exclude_attributes": "feature_flag.context.id"}, "'exclude_attributes' must be a collection of attribute"),
        ({"exclude_attributes": ["feature_flag.key"]}, "'exclude_attributes' cannot exclude 'feature_flag.key'"),
        ({"semconvv": "latest"}, "unknown ff_otel option 'semconvv'"),
    ],
)
def test_a_bad_option_raises_at_once_naming_it(options: dict[str, Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(")):
        ff_otel.install(**options)
    assert ff_otel.current_installation() is None


def test_the_kill_switch_keeps_everything_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ff_otel.ENABLED_ENV, "false")
    sync = OpenFeatureClient.evaluate_flag_details
    installation = ff_otel.install()
    assert not installation.active
    assert api.get_hooks() == []
    assert OpenFeatureClient.evaluate_flag_details is sync


def test_adapter_options_split_from_core_options_and_reject_unknown_names() -> None:
    options, adapter = ff_otel.split_options({"semconv": "both", "excluded_urls": ["/health", "/metrics"]})
    assert options.semconv == "both"
    assert adapter.excluded_urls == ("/health", "/metrics")
    with pytest.raises(TypeError, match="unknown ff_otel option 'context_bulder'"):
        ff_otel.split_options({"context_bulder": dict})


def test_defaults_installed_for_a_late_adapter_give_way_to_its_options_without_a_warning(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture
) -> None:
    api.set_provider_and_wait(InMemoryProvider({"early": InMemoryFlag("on", {"on": True, "off": False})}))
    assert activate_defaults().provisional
    api.get_client().get_boolean_value("early", False)  # before the adapter exists: recorded with the defaults

    installation = activate(ff_otel.Options(semconv="legacy"))
    api.get_client().get_boolean_value("early", False)

    assert installation.options.semconv == "legacy"
    assert not installation.provisional
    assert [record.log_record.event_name for record in telemetry.logs()] == ["feature_flag.evaluation", "feature_flag"]
    assert not [record for record in caplog.records if record.name == "ff_otel" and record.levelname == "WARNING"]


def test_defaults_never_replace_what_was_installed_before() -> None:
    ff_otel.install(semconv="both")

    assert activate_defaults().options.semconv == "both"
    current = ff_otel.current_installation()
    assert current is not None
    assert (current.options.semconv, current.provisional) == ("both", False)


def test_a_recorder_is_shared_while_in_use_and_recorders_of_dropped_options_do_not_pile_up() -> None:
    held = recorder_for(ff_otel.Options(secret_key="held"))
    assert recorder_for(ff_otel.Options(secret_key="held")) is held  # one per distinct set of options

    for number in range(50):  # the options of apps made and dropped, one per test say
        recorder_for(ff_otel.Options(secret_key=f"dropped-{number}"))
    gc.collect()

    alive = {recorder.options.secret_key for recorder in gc.get_objects() if type(recorder) is Recorder}
    assert "held" in alive
    assert len({key for key in alive if isinstance(key, str) and key.startswith("dropped-")}) <= 8  # the last few stay
    assert recorder_for(ff_otel.Options(secret_key="held")) is held
