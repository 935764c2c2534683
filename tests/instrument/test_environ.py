"""`OTEL_PYTHON_FF_OTEL_<OPTION>` variables: read into option values, validated with the code options' messages."""

from __future__ import annotations

import pytest

import ff_otel
from ff_otel_instrument import ImportedCallable, options_from_environ, variable_name


def test_each_kind_of_option_is_read_from_its_variable() -> None:
    values = options_from_environ(
        {
            "OTEL_PYTHON_FF_OTEL_SEMCONV": " Both ",
            "OTEL_PYTHON_FF_OTEL_METRICS": "false",
            "OTEL_PYTHON_FF_OTEL_SUMMARY": "1",
            "OTEL_PYTHON_FF_OTEL_MAX_VALUE_LENGTH": "40",
            "OTEL_PYTHON_FF_OTEL_MAX_EVENTS_PER_SPAN": "none",
            "OTEL_PYTHON_FF_OTEL_VALUE_DENYLIST": "secret-flag, other-flag,",
            "OTEL_PYTHON_FF_OTEL_EXCLUDED_URLS": "/healthz,/metrics",
            "OTEL_PYTHON_FF_OTEL_SECRET_KEY": "s3cret",
            "OTEL_PYTHON_FF_OTEL_CONTEXT_BUILDER": "tests.instrument.test_environ:build_context",
            "OTEL_PYTHON_FF_OTEL_CAPTURE_VALUE": "",  # empty means unset
            "OTEL_PYTHON_FF_OTEL_ENABLED": "true",  # the core's kill switch, not an option
            "OTEL_PYTHON_EXCLUDED_URLS": "/other",  # not of the family
        }
    )
    assert values == {
        "semconv": "both",
        "metrics": False,
        "summary": True,
        "max_value_length": 40,
        "max_events_per_span": None,
        "value_denylist": ("secret-flag", "other-flag"),
        "excluded_urls": "/healthz,/metrics",
        "secret_key": "s3cret",
        "context_builder": ImportedCallable("tests.instrument.test_environ", "build_context"),
    }
    core, adapter = ff_otel.split_options(values)
    assert core.value_denylist == frozenset({"secret-flag", "other-flag"})
    assert adapter.context_builder is not None
    assert adapter.context_builder(object()) == build_context(object())


def test_the_signal_options_are_read_from_their_variables() -> None:
    values = options_from_environ(
        {
            "OTEL_PYTHON_FF_OTEL_EVENTS": "Log",
            "OTEL_PYTHON_FF_OTEL_EVALUATION_SPANS": "on",
            "OTEL_PYTHON_FF_OTEL_EXCLUDE_EXCEPTIONS": "true",
            "OTEL_PYTHON_FF_OTEL_EXCLUDE_ATTRIBUTES": "feature_flag.context.id, feature_flag.version",
            "OTEL_PYTHON_FF_OTEL_ATTRIBUTE_MAPPER": "tests.instrument.test_environ:build_context",
            "OTEL_PYTHON_FF_OTEL_EVENT_MUTATOR": "tests.instrument.test_environ.build_context",
        }
    )
    core, _ = ff_otel.split_options(values)
    assert (core.events, core.evaluation_spans, core.exclude_exceptions) == ("log", True, True)
    assert core.exclude_attributes == frozenset({"feature_flag.context.id", "feature_flag.version"})
    assert core.attribute_mapper == ImportedCallable("tests.instrument.test_environ", "build_context")
    assert core.event_mutator == ImportedCallable("tests.instrument.test_environ", "build_context")
    with pytest.raises(
        ValueError, match=r"OTEL_PYTHON_FF_OTEL_EXCLUDE_ATTRIBUTES: .*cannot exclude 'feature_flag\.key'"
    ):
        options_from_environ({"OTEL_PYTHON_FF_OTEL_EXCLUDE_ATTRIBUTES": "feature_flag.key"})


def build_context(request: object) -> dict[str, str]:
    return {"plan": "pro", "request": type(request).__name__}


@pytest.mark.parametrize(
    ("option", "text", "code_value"),
    [
        ("semconv", "newest", "newest"),
        ("capture_value", "sometimes", "sometimes"),
        ("max_value_length", "0", 0),
        ("max_value_length", "ten", "ten"),
        ("max_summary_flags", "-1", -1),
        ("metrics", "maybe", "maybe"),
        ("redact", "not a path", "not a path"),
        ("events", "spans", "spans"),
        ("evaluation_spans", "sometimes", "sometimes"),
    ],
)
def test_a_bad_value_fails_with_the_code_options_message_and_the_variable_name(
    option: str, text: str, code_value: object
) -> None:
    with pytest.raises((TypeError, ValueError)) as from_code:
        ff_otel.split_options({option: code_value})
    with pytest.raises(from_code.type) as from_environ:
        options_from_environ({variable_name(option): text})
    assert str(from_environ.value) == f"{variable_name(option)}: {from_code.value}"


def test_an_unknown_variable_of_the_family_is_rejected_like_an_unknown_option() -> None:
    with pytest.raises(TypeError) as from_code:
        ff_otel.split_options({"semconvs": "both"})
    with pytest.raises(TypeError) as from_environ:
        options_from_environ({"OTEL_PYTHON_FF_OTEL_SEMCONVS": "both"})
    assert str(from_environ.value) == f"OTEL_PYTHON_FF_OTEL_SEMCONVS: {from_code.value}"


def test_pseudonymized_context_ids_need_the_secret_key_variable_too() -> None:
    with pytest.raises(ValueError, match=r"^OTEL_PYTHON_FF_OTEL_PSEUDONYMIZE_CONTEXT_ID: .*needs 'secret_key'"):
        options_from_environ({"OTEL_PYTHON_FF_OTEL_PSEUDONYMIZE_CONTEXT_ID": "true"})
    values = options_from_environ(
        {"OTEL_PYTHON_FF_OTEL_PSEUDONYMIZE_CONTEXT_ID": "true", "OTEL_PYTHON_FF_OTEL_SECRET_KEY": "k"}
    )
    assert values == {"pseudonymize_context_id": True, "secret_key": "k"}


def test_providers_cannot_come_from_the_environment() -> None:
    with pytest.raises(TypeError, match=r"^OTEL_PYTHON_FF_OTEL_TRACER_PROVIDER: .*cannot be set from the environment"):
        options_from_environ({"OTEL_PYTHON_FF_OTEL_TRACER_PROVIDER": "x:y"})


def test_a_callable_is_imported_at_its_first_call_not_when_read() -> None:
    values = options_from_environ({"OTEL_PYTHON_FF_OTEL_REDACT": "no_such_module_anywhere.redact"})
    redact = values["redact"]
    with pytest.raises(ModuleNotFoundError):
        redact("flag", 1)
