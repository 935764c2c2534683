"""Any Python value becomes a valid attribute value; reasons and codes become lower snake case."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openfeature import api
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason
from opentelemetry.attributes import BoundedAttributes

import ff_otel
from ff_otel._values import encode_value, snake_case
from tests.conftest import Telemetry

_text = st.text(st.characters(codec=None))  # lone surrogates included: Python strings can hold them
_scalars = st.none() | st.booleans() | st.integers() | st.floats() | _text | st.binary()
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children) | st.dictionaries(st.text(), children) | st.tuples(children, children),
    max_leaves=50,
)


def _valid_attribute(value: object) -> bool:
    # BoundedAttributes is what the SDK runs every attribute through: it drops what is not valid.
    return BoundedAttributes(attributes={"v": value}).get("v") is not None  # type: ignore[dict-item]


@given(_values, st.integers(min_value=1, max_value=300))
def test_every_value_encodes_to_a_valid_attribute_within_the_limit(value: Any, limit: int) -> None:
    encoded = encode_value(value, limit)
    assert isinstance(encoded, str | bool | int | float)
    assert _valid_attribute(encoded)
    if isinstance(encoded, str):
        assert len(encoded) <= limit
        encoded.encode("utf-8")  # valid UTF-8, as OTLP needs
    if isinstance(encoded, int) and not isinstance(encoded, bool):
        assert -(2**63) <= encoded < 2**63


@given(st.dictionaries(st.text(), st.integers() | st.text(), max_size=10))
def test_structures_encode_deterministically_as_sorted_json(value: dict[str, Any]) -> None:
    reordered = dict(reversed(list(value.items())))
    assert encode_value(value, 10_000) == encode_value(reordered, 10_000)


def test_odd_values_never_raise() -> None:
    cyclic: list[object] = []
    cyclic.append(cyclic)
    deep: object = []
    for _ in range(10_000):
        deep = [deep]

    class Unprintable:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert encode_value(cyclic, 50) == "[" * 50  # only what the limit can show is encoded: no cycle reached
    assert encode_value(deep, 20) == "[" * 20
    assert encode_value(Unprintable(), 50) == '"<Unprintable>"'
    assert encode_value({"k": b"\xff\x00"}, 50) == '{"k":"\\\\xff\\u0000"}'
    assert encode_value(2**80, 50) == str(2**80)
    assert math.isnan(encode_value(float("nan"), 5))  # type: ignore[arg-type]
    assert encode_value("x" * 1000, 8) == "x" * 8
    assert encode_value(None, 8) == "null"
    assert encode_value("a\ud800b", 8) == "a?b"  # a lone surrogate would make OTLP drop the attribute
    assert encode_value({1: "a", "b": 2}, 50) == "{1: 'a', 'b': 2}"  # unsortable keys fall back to repr


@given(st.sampled_from(list(Reason)) | st.sampled_from(list(ErrorCode)))
def test_enum_codes_become_lower_snake_case(code: Reason | ErrorCode) -> None:
    assert snake_case(code) == code.value.lower()


@given(st.text())
def test_custom_reasons_are_lowered_without_spaces(reason: str) -> None:
    result = snake_case(reason)
    assert result == result.lower()
    assert " " not in result


def test_known_mappings() -> None:
    assert snake_case(Reason.TARGETING_MATCH) == "targeting_match"
    assert snake_case(ErrorCode.FLAG_NOT_FOUND) == "flag_not_found"
    assert snake_case("Rule Match") == "rule_match"
    assert snake_case("ab-test") == "ab_test"


@pytest.mark.usefixtures("flags")
def test_value_policy_per_option(telemetry: Telemetry) -> None:
    ff_otel.install(
        capture_value="always",
        value_denylist=["banner-color"],
        redact=lambda key, value: {"columns": value["columns"]} if key == "layout" else value,
    )
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        client.get_boolean_value("new-checkout", False)
        client.get_string_value("banner-color", "grey")
        client.get_object_value("layout", {})

    (span,) = telemetry.spans()
    values = [dict(e.attributes or {}).get("feature_flag.result.value") for e in span.events]
    assert values == [True, None, '{"columns":3}']


@pytest.mark.usefixtures("flags")
def test_capture_never_and_allowlist(telemetry: Telemetry) -> None:
    ff_otel.install(capture_value="never")
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_boolean_value("no-such-flag", False)
    ff_otel.install(capture_value="always", value_allowlist={"max-items"})
    with telemetry.tracer.start_as_current_span("request"):
        api.get_client().get_integer_value("max-items", 0)
        api.get_client().get_boolean_value("new-checkout", False)

    events = [dict(e.attributes or {}) for span in telemetry.spans() for e in span.events]
    assert [e.get("feature_flag.result.value") for e in events] == [None, 10, None]
