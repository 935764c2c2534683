"""What a Split treatment method returned, as evaluations for ff-otel's recorder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import ff_otel

PROVIDER_NAME: Final = "Split"
"""The `feature_flag.provider.name` recorded for Split treatments (the name Split's OpenFeature provider uses)."""

CONTROL: Final = "control"
"""What Split returns when it cannot evaluate a flag."""

# A treatment comes out of the flag's targeting rules, as Split's OpenFeature provider reports it.
_EVALUATED: Final = "targeting_match"
_ERROR: Final = "error"
_CONTROL_MESSAGE: Final = "Split returned the control treatment"


def record_one(client: Any, key: object, flag: object, result: object, provider_name: str) -> None:
    """Record what `get_treatment` (a treatment) or `get_treatment_with_config` (treatment, config) returned."""
    if isinstance(flag, str):
        _record(client, key, flag, result, provider_name)


def record_many(client: Any, key: object, results: object, provider_name: str) -> None:
    """Record each flag of what a `get_treatments...` method returned."""
    if isinstance(results, Mapping):
        for flag, result in results.items():
            if isinstance(flag, str):
                _record(client, key, flag, result, provider_name)


def _record(client: Any, key: object, flag: str, result: object, provider_name: str) -> None:
    config: object = None
    if isinstance(result, tuple) and len(result) == 2:
        result, config = result
    if not isinstance(result, str):
        return
    targeting_key = _matching_key(key)
    if result == CONTROL:
        ff_otel.record_evaluation(
            flag,
            result,
            reason=_ERROR,
            provider_name=provider_name,
            error_type=_control_cause(client, targeting_key),
            error_message=_CONTROL_MESSAGE,
            targeting_key=targeting_key,
        )
        return
    ff_otel.record_evaluation(
        flag,
        # The configuration is the value a treatment carries; a treatment without one stands for itself.
        result if config is None else config,
        variant=result,
        reason=_EVALUATED,
        provider_name=provider_name,
        targeting_key=targeting_key,
    )


def _matching_key(key: object) -> str | None:
    # A key is a string, or a splitio Key with a matching key (who) and a bucketing key (which bucket).
    matching = getattr(key, "matching_key", key)
    return matching if isinstance(matching, str) and matching else None


def _control_cause(client: Any, targeting_key: str | None) -> str:
    if getattr(client, "destroyed", False) is True:
        return "provider_fatal"
    if getattr(client, "ready", True) is False:
        return "provider_not_ready"
    if targeting_key is None:
        return "targeting_key_missing"
    return "flag_not_found"
