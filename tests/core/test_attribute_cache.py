"""An outcome's attributes come out the same whether they were cached or built afresh, in every mode.

Each evaluation is built twice: by one builder that has seen (and cached) every evaluation before it, and by a new
builder that has seen nothing. Attributes, their order and their types must be identical.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import pytest
from openfeature.flag_evaluation import Reason

import ff_otel
from ff_otel import _semconv_mapping
from ff_otel._evaluation import Evaluation
from ff_otel._options import Options
from ff_otel._semconv_mapping import EvaluationAttributes


class Odd(Enum):
    STATIC = 1  # a reason of another enum, equal to nothing above


class Unhashable(dict[str, Any]):
    """A reason no cache can use as a key."""

    __hash__ = None


EVALUATIONS = [
    Evaluation("new-checkout", True, "on", Reason.STATIC, provider_name="In-Memory Provider", targeting_key="u-1"),
    Evaluation("new-checkout", True, "on", Reason.STATIC, provider_name="In-Memory Provider", targeting_key="u-2"),
    Evaluation("new-checkout", True, "on", "STATIC", provider_name="In-Memory Provider", targeting_key="u-1"),
    Evaluation("new-checkout", True, "on", Odd.STATIC, provider_name="In-Memory Provider"),
    Evaluation("new-checkout", True, "on", Unhashable(), provider_name="In-Memory Provider"),
    # Equal values of different types record differently: 1 is not True, and neither is 1.0.
    Evaluation("max-items", True, None, "DEFAULT", targeting_key="u-1"),
    Evaluation("max-items", 1, None, "DEFAULT", targeting_key="u-1"),
    Evaluation("max-items", 1.0, None, "DEFAULT", targeting_key="u-1"),
    Evaluation("max-items", "1", None, "DEFAULT", targeting_key="u-1"),
    Evaluation("max-items", None, None, "DEFAULT", targeting_key="u-1"),
    Evaluation("layout", {"columns": 3}, None, "TARGETING_MATCH", targeting_key="u-1"),
    Evaluation("banner", "x" * 300, None, "STATIC"),  # longer than the value length limit
    Evaluation("banner", "ü" * 3, "ü", "STATIC", provider_name="ü provider"),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"flagSetId": "shop", "version": 3}, targeting_key="u-1"),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"flagSetId": "shop", "version": "3"}, targeting_key="u-1"),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"flagSetId": "shop", "version": True}),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"flagSetId": "shop", "contextId": "ctx-9"}),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"flagSetId": "shop", "contextId": "ctx-10"}),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={"version": [1, 2]}),
    Evaluation("flagd", "on", "on", "STATIC", flag_metadata={}),
    Evaluation("broken", False, None, "ERROR", "PARSE_ERROR", "bad rule", provider_name="p", targeting_key="u-1"),
    Evaluation("broken", False, None, "ERROR", "PARSE_ERROR", "other rule", provider_name="p", targeting_key="u-1"),
]

OPTIONS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "semconv both": {"semconv": "both"},
    "semconv legacy": {"semconv": "legacy"},
    "capture always": {"capture_value": "always", "max_value_length": 8},
    "capture never": {"capture_value": "never"},
    "redact": {"capture_value": "always", "redact": lambda key, value: f"{key}:{type(value).__name__}"},
    "lists": {"capture_value": "always", "value_allowlist": ["max-items"], "value_denylist": ["layout"]},
    "pseudonymized": {"pseudonymize_context_id": True, "secret_key": "s3cret"},
}


def _typed(attributes: dict[str, Any]) -> list[tuple[str, str, object]]:
    return [(name, type(value).__name__, value) for name, value in attributes.items()]  # in order


@pytest.mark.parametrize("options", list(OPTIONS))
def test_cached_attributes_are_the_ones_built_afresh(options: str) -> None:
    settings = Options(**OPTIONS[options])
    cached = EvaluationAttributes(settings)
    for _ in range(2):  # the first round fills the cache, the second reads it
        for evaluation in EVALUATIONS:
            assert _typed(cached(evaluation)) == _typed(EvaluationAttributes(settings)(evaluation))
        with ff_otel.evaluation_context("u-1", context_id="bound-7"):  # a context id bound for the key
            for evaluation in EVALUATIONS:
                assert _typed(cached(evaluation)) == _typed(EvaluationAttributes(settings)(evaluation))


def test_every_record_gets_a_dict_of_its_own() -> None:
    build = EvaluationAttributes(Options())
    first = build(EVALUATIONS[0])
    first["changed"] = True  # what a span, a mapper or a mutator may do with the dict it was handed
    assert "changed" not in build(EVALUATIONS[0])


def test_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_semconv_mapping, "CACHE_SIZE", 8)
    build = EvaluationAttributes(Options())
    for number in range(50):
        flag = f"flag-{number}"
        assert build(Evaluation(flag, True, "on", "STATIC"))["feature_flag.key"] == flag
        assert len(build._parts_of) <= 8
