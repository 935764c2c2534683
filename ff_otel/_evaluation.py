"""One flag evaluation as ff-otel records it, whatever flag system it came from, and how it turned out."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from ff_otel._values import _snake_cache, snake_case

_ERROR = "error"


class Evaluation:
    """What one flag evaluation resolved to, whatever flag system it came from."""

    __slots__ = (
        "error_code",
        "error_message",
        "flag_metadata",
        "key",
        "provider_name",
        "reason",
        "targeting_key",
        "value",
        "variant",
    )

    def __init__(
        self,
        key: str,
        value: object,
        variant: str | None = None,
        reason: object = None,
        error_code: object = None,
        error_message: str | None = None,
        flag_metadata: Mapping[str, Any] | None = None,
        provider_name: str | None = None,
        targeting_key: str | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.variant = variant
        self.reason = reason
        self.error_code = error_code
        self.error_message = error_message
        self.flag_metadata = flag_metadata
        self.provider_name = provider_name
        self.targeting_key = targeting_key


_ERROR_GENERAL = "general"


def outcome(evaluation: Evaluation) -> tuple[str, str | None]:
    """The evaluation's reason in lower snake case, and its error type if and only if it failed."""
    reason, code = evaluation.reason, evaluation.error_code
    if reason is not None:
        # A provider may return any object as a reason, hashable or not.
        text = (_snake_cache.get(reason) if type(reason) is str or isinstance(reason, Enum) else None) or snake_case(
            reason
        )
    elif code is None:
        return "unknown", None
    else:
        text = _ERROR
    if code is not None:
        return text, snake_case(code)
    return text, _ERROR_GENERAL if text == _ERROR else None
