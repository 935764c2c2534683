"""Turning arbitrary flag values and enum-like codes into valid OpenTelemetry attribute values."""

from __future__ import annotations

import heapq
import json
import reprlib
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
    if type(code) is not str:
        if isinstance(code, str):
            code = str.__str__(code)  # a str subclass's text, whatever its own methods do
        elif not isinstance(code, Enum):  # a provider that returned something odd: still say what it was
            return _to_snake(_safe_repr(code))
    try:
        cached = _snake_cache.get(code)
        if cached is not None:
            return cached
        result = _to_snake(code.value if isinstance(code, Enum) else code)
    except Exception:  # an enum with an odd value, or methods of its own that raise
        return _to_snake(_safe_repr(code))
    if len(_snake_cache) < 1024:  # custom reasons are few; never let odd input grow this without bound
        _snake_cache[code] = result
    return result


def _to_snake(text: object) -> str:
    return "_".join(str(text).replace("-", " ").split()).lower()


def truncate(text: str, limit: int) -> str:
    """`text` as valid UTF-8, cut to at most `limit` characters."""
    if len(text) > limit:
        text = text[:limit]  # cut first: a 2 MB string is not checked character by character
    return text if text.isascii() else _valid_utf8(text)


def clean_text(value: object, limit: int) -> str:
    """Any name-like value (key, variant, provider name, metadata) as a valid attribute string, never raising."""
    if type(value) is str and len(value) <= limit and value.isascii():
        return value
    return truncate(safe_str(value), limit)


def safe_str(value: object) -> str:
    """`str(value)` (a str subclass's own text), or a placeholder naming its type when its `__str__` raises."""
    if isinstance(value, str):
        return str.__str__(value)  # never the subclass's methods, which may raise
    try:
        return str(value)
    except Exception:
        return f"<{type(value).__name__}>"


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
        return truncate(value if type(value) is str else str.__str__(value), limit)
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else truncate(str(value), limit)
    if isinstance(value, bytes | bytearray | memoryview):
        return truncate(bytes(value).decode("utf-8", "backslashreplace"), limit)
    return truncate(_to_json(value, limit), limit)


def _to_json(value: object, limit: int) -> str:
    try:
        # Only what the first `limit` characters can show is encoded: a 2 MB object flag costs little more than
        # a small one.
        pruned = _prune(value, [limit + 1], 0)
        return json.dumps(pruned, sort_keys=True, separators=(",", ":"), default=_fallback, allow_nan=True)
    except Exception:
        # Cycles, keys that cannot be sorted together, nesting deeper than the interpreter allows, or a structure
        # whose own methods raise.
        return _safe_repr(value)


_MAX_DEPTH = 200


def _prune(value: object, budget: list[int], depth: int) -> object:
    """A copy of `value` holding no more than its JSON's first `budget[0]` characters could show.

    Every element costs at least one character, so at most that many are kept; dictionaries keep their smallest
    keys, as sorted JSON would show them first.
    """
    if depth > _MAX_DEPTH:
        raise RecursionError("flag value nested too deeply")
    if isinstance(value, str):
        budget[0] -= len(value) + 2
        return value[: max(budget[0] + len(value) + 2, 0)]
    if isinstance(value, dict):
        keys = list(value) if len(value) <= budget[0] else heapq.nsmallest(max(budget[0], 0), value)
        keys.sort()
        result: dict[object, object] = {}
        for key in keys:
            if budget[0] <= 0:
                break
            budget[0] -= len(key) + 4 if isinstance(key, str) else 4
            result[key] = _prune(value[key], budget, depth + 1)
        return result
    if isinstance(value, list | tuple):
        items: list[object] = []
        for item in value:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            items.append(_prune(item, budget, depth + 1))
        return items
    budget[0] -= 1
    return value


def _fallback(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return _safe_repr(value)


class _BoundedRepr(reprlib.Repr):
    def repr_instance(self, x: object, level: int) -> str:
        text = repr(x)  # raises for a broken __repr__: answered below by the type's name, with no address
        return text if len(text) <= self.maxother else text[: self.maxother]


_BOUNDED_REPR = _BoundedRepr()
_BOUNDED_REPR.maxstring = _BOUNDED_REPR.maxother = 256


def _safe_repr(value: object) -> str:
    try:
        return _BOUNDED_REPR.repr(value)  # bounded: never the whole of a huge structure
    except Exception:  # a user object whose __repr__ raises, or recursion
        return f"<{type(value).__name__}>"
