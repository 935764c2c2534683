"""LaunchDarkly's evaluation reasons in the feature-flag conventions' terms.

The mapping is the one LaunchDarkly's own OpenFeature provider uses, so a flag reports the same reason whether it
is evaluated through the SDK or through OpenFeature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

_REASONS: Final = {"OFF": "disabled", "TARGET_MATCH": "targeting_match", "ERROR": "error"}

_ERROR_TYPES: Final = {
    "CLIENT_NOT_READY": "provider_not_ready",
    "FLAG_NOT_FOUND": "flag_not_found",
    "MALFORMED_FLAG": "parse_error",
    "USER_NOT_SPECIFIED": "targeting_key_missing",
    "WRONG_TYPE": "type_mismatch",
}

_GENERAL: Final = "general"


def reason_of(reason: Mapping[str, Any] | None) -> str | None:
    """`{"kind": "RULE_MATCH", ...}` -> `targeting_match`, `disabled`, `error`, or the kind itself (FALLTHROUGH ...)."""
    kind = None if reason is None else reason.get("kind")
    if not isinstance(kind, str):
        return None
    return _REASONS.get(kind, kind)


def error_type_of(reason: Mapping[str, Any] | None) -> str | None:
    """The error type of a failed evaluation (`flag_not_found` ...), None when it succeeded."""
    if reason is None or reason.get("kind") != "ERROR":
        return None
    error_kind = reason.get("errorKind")
    return _ERROR_TYPES.get(error_kind, _GENERAL) if isinstance(error_kind, str) else _GENERAL
