"""Which flag values are recorded, and as what: `capture_value`, the allow and deny lists, `redact`, the length cap."""

from __future__ import annotations

from opentelemetry.util.types import AttributeValue

from ff_otel._options import Options
from ff_otel._safe import call_safely
from ff_otel._values import encode_value


class ValuePolicy:
    """Decides, per evaluation, whether its value is recorded and gives it as a valid, bounded attribute value."""

    __slots__ = ("_allow", "_capture", "_deny", "_limit", "_redact")

    def __init__(self, options: Options) -> None:
        self._capture = options.capture_value
        self._allow = options.value_allowlist
        self._deny = options.value_denylist
        self._redact = options.redact
        self._limit = options.max_value_length

    def __call__(self, key: str, variant: str | None, value: object) -> AttributeValue | None:
        """The value to record for flag `key`, or None when the policy records none."""
        capture = self._capture
        if capture == "never" or (capture == "auto" and variant is not None):
            return None
        if key in self._deny or (self._allow is not None and key not in self._allow):
            return None
        if self._redact is not None:
            value = call_safely(f"ff_otel redact callable raised for flag {key!r}", self._redact, key, value)
            if value is None:
                return None
        return encode_value(value, self._limit)
