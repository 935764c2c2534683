"""Turning arbitrary flag values and enum-like codes into valid OpenTelemetry attribute values."""

from __future__ import annotations

import json
from enum import Enum
from typing import Final

# OTLP carries integers as int64: anything wider would make the exporter fail to encode the whole batch.
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

_snake_cache: dict[object, str] = {}


def snake_case(code: object) -> str:
    """Lower snake case of a reason or error code: `TARGETING_MATCH` -> `targeting_match`.

    Custom reasons are lowered the same way (`Rule Match` -> `rule_match`).
    """
    if not isinstance(code, str | Enum):  # a provider that returned something odd: still say what it was
        return _to_snake(_safe_repr(code))
    cached = _snake_cache.get(code)
    if cached is not None:
        return cached
    result = _to_snake(code.value if isinstance(code, Enum) else code)
    if len(_snake_cache) < 1024:  # custom reasons are few; never let odd input grow this without bound
        _snake_cache[code] = result
    return result


def _to_snake(text: object) -> str:
    return "_".join(str(text).replace("-", " ").split()).lower()


def truncate(text: str, limit: int) -> str:
    """`text` as valid UTF-8, cut to at most `limit` characters."""
    if not text.isascii():
        text = _valid_utf8(text)
    return text if len(text) <= limit else text[:limit]


def _valid_utf8(text: str) -> str:
    # A lone surrogate cannot be encoded: OTLP would drop the attribute on the way out.
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode()
    return text


def encode_value(value: object, limit: int) -> str | bool | int | float:
    """A valid OpenTelemetry attribute value for any Python value, never raising.

    Scalars stay as they are (strings cut to `limit`); integers outside int64 and everything else become a string:
    structures as sorted JSON, so one value always encodes the same way.
    """
    if isinstance(value, str):
        return truncate(value, limit)
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else truncate(str(value), limit)
    if isinstance(value, bytes | bytearray | memoryview):
        return truncate(bytes(value).decode("utf-8", "backslashreplace"), limit)
    return truncate(_to_json(value), limit)


def _to_json(value: object) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_fallback, allow_nan=True)
    except (ValueError, TypeError, RecursionError):
        # Cycles, keys that cannot be sorted together, or nesting deeper than the interpreter allows.
        return _safe_repr(value)


def _fallback(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return _safe_repr(value)


def _safe_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a user object whose __repr__ raises, or recursion
        return f"<{type(value).__name__}>"
