"""The feature-flag semantic conventions (v1.44) as this repository reads them, and a check of attributes against them.

A transcription of the `feature_flag.evaluation` event and its attributes from the semantic-conventions model
(`model/feature-flags/registry.yaml` and `events.yaml`): names, types, requirement levels and enum members.
`check_installed_constants()` compares it with the installed `opentelemetry-semantic-conventions`, so a rename
upstream fails a test here.

Usage::

    from tests.core.semconv_model import assert_conforms
    assert_conforms(event.name, dict(event.attributes))      # a span event or a log record's attributes
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final, Literal

from opentelemetry.semconv._incubating.attributes import error_attributes as error_semconv
from opentelemetry.semconv._incubating.attributes import feature_flag_attributes as flag_semconv

Requirement = Literal["required", "conditionally_required", "recommended"]
ValueType = Literal["string", "any", "enum"]

EVENT_NAME: Final = "feature_flag.evaluation"

REASONS: Final = frozenset(
    {"static", "default", "targeting_match", "split", "cached", "disabled", "unknown", "stale", "error"}
)
"""Members of `feature_flag.result.reason`."""

ERROR_TYPES: Final = frozenset(
    {
        "flag_not_found",
        "invalid_context",
        "parse_error",
        "provider_fatal",
        "provider_not_ready",
        "targeting_key_missing",
        "type_mismatch",
        "general",
    }
)
"""The `error.type` values the event's note says MUST be used when they apply (a custom value MAY be used)."""


@dataclasses.dataclass(frozen=True)
class Attribute:
    """One attribute of the event: its name, value type and requirement level on the event."""

    name: str
    type: ValueType
    requirement: Requirement
    members: frozenset[str] = frozenset()


ATTRIBUTES: Final[Mapping[str, Attribute]] = {
    a.name: a
    for a in (
        Attribute("feature_flag.key", "string", "required"),
        Attribute("feature_flag.result.variant", "string", "conditionally_required"),  # when the provider has one
        Attribute("feature_flag.result.value", "any", "conditionally_required"),  # iff there is no variant
        Attribute("feature_flag.provider.name", "string", "recommended"),
        Attribute("feature_flag.context.id", "string", "recommended"),
        Attribute("feature_flag.version", "string", "recommended"),
        Attribute("feature_flag.set.id", "string", "recommended"),
        Attribute("feature_flag.result.reason", "enum", "recommended", REASONS),
        Attribute("error.type", "string", "conditionally_required"),  # iff the evaluation failed
        Attribute("feature_flag.error.message", "string", "recommended"),  # only with an error
    )
}
"""Every attribute the `feature_flag.evaluation` event may carry."""

# The installed package's constant for each attribute above: the name they must agree on.
_INSTALLED: Final[Mapping[str, str]] = {
    "feature_flag.key": flag_semconv.FEATURE_FLAG_KEY,
    "feature_flag.result.variant": flag_semconv.FEATURE_FLAG_RESULT_VARIANT,
    "feature_flag.result.value": flag_semconv.FEATURE_FLAG_RESULT_VALUE,
    "feature_flag.provider.name": flag_semconv.FEATURE_FLAG_PROVIDER_NAME,
    "feature_flag.context.id": flag_semconv.FEATURE_FLAG_CONTEXT_ID,
    "feature_flag.version": flag_semconv.FEATURE_FLAG_VERSION,
    "feature_flag.set.id": flag_semconv.FEATURE_FLAG_SET_ID,
    "feature_flag.result.reason": flag_semconv.FEATURE_FLAG_RESULT_REASON,
    "error.type": error_semconv.ERROR_TYPE,
    "feature_flag.error.message": flag_semconv.FEATURE_FLAG_ERROR_MESSAGE,
}

RENAMED: Final[Mapping[str, str]] = {
    "feature_flag.provider_name": "feature_flag.provider.name",
    "feature_flag.variant": "feature_flag.result.variant",
    "feature_flag.evaluation.reason": "feature_flag.result.reason",
    "feature_flag.evaluation.error.message": "feature_flag.error.message",
}
"""Deprecated attribute names (registry-deprecated.yaml) and the names that replaced them."""

# The installed package keeps constants for the deprecated names it generates code for (not `provider_name`).
_INSTALLED_DEPRECATED: Final[Mapping[str, str]] = {
    "feature_flag.variant": flag_semconv.FEATURE_FLAG_VARIANT,
    "feature_flag.evaluation.reason": flag_semconv.FEATURE_FLAG_EVALUATION_REASON,
    "feature_flag.evaluation.error.message": flag_semconv.FEATURE_FLAG_EVALUATION_ERROR_MESSAGE,
}

_SCALARS: Final = (str, bool, int, float)


def check_installed_constants() -> None:
    """Fail when the installed semantic-conventions package names an attribute or a reason differently."""
    assert dict(_INSTALLED) == {name: name for name in ATTRIBUTES}, "an attribute was renamed upstream"
    assert dict(_INSTALLED_DEPRECATED) == {name: name for name in _INSTALLED_DEPRECATED}, "a deprecated name moved"
    assert set(RENAMED.values()) <= set(ATTRIBUTES)
    installed_reasons = {member.value for member in flag_semconv.FeatureFlagResultReasonValues}
    assert installed_reasons == REASONS, f"reasons differ: {sorted(installed_reasons ^ REASONS)}"


def assert_conforms(name: str, attributes: Mapping[str, object]) -> None:
    """Fail unless `name` and `attributes` are a `feature_flag.evaluation` event as the conventions define it.

    Checks names, types, enum members and requirement levels: the key always; the variant or else the value;
    `error.type` and the error message if and only if the reason is `error`.
    """
    assert name == EVENT_NAME, f"event {name!r} is not {EVENT_NAME!r}"
    for key, value in attributes.items():
        attribute = ATTRIBUTES.get(key)
        assert attribute is not None, f"{key} is not an attribute of {EVENT_NAME}"
        if attribute.type == "enum":
            assert value in attribute.members, (key, value)
        elif attribute.type == "string":
            assert isinstance(value, str), (key, value)
        else:  # `any`: what an OpenTelemetry attribute value may be
            assert isinstance(value, (*_SCALARS, Mapping)) or _is_homogeneous_sequence(value), (key, value)
    for attribute in ATTRIBUTES.values():
        if attribute.requirement == "required":
            assert attribute.name in attributes, f"required {attribute.name} missing"
    assert ("feature_flag.result.variant" in attributes) != ("feature_flag.result.value" in attributes), (
        "the variant when there is one, else the value"
    )
    failed = attributes.get("feature_flag.result.reason") == "error"
    assert ("error.type" in attributes) == failed, "error.type if and only if the evaluation failed"
    if "feature_flag.error.message" in attributes:
        assert failed, "an error message without an error"


def _is_homogeneous_sequence(value: object) -> bool:
    if not isinstance(value, tuple | list):
        return False
    return len({type(item) for item in value}) <= 1 and all(isinstance(item, _SCALARS) for item in value)
