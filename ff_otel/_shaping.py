"""The user's say over an evaluation's attributes: `attribute_mapper`, `exclude_attributes`, `event_mutator`.

Both callbacks are guarded: one that raises, or returns something that is not a mapping of attribute names to
valid attribute values, gets one line on the `ff_otel` logger and the evaluation is recorded without its effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._options import Options
from ff_otel._safe import report
from ff_otel._values import truncate

_Attributes = dict[str, AttributeValue]
_EMPTY: Mapping[str, Any] = {}
# OTLP carries integers as int64: a wider one would fail the whole export batch.
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


class Shaper:
    """Applies the three options, in this order: mapper adds, exclusions remove, mutator has the last word."""

    __slots__ = ("_excluded", "_limit", "_mapper", "_mutator", "active")

    def __init__(self, options: Options) -> None:
        self._mapper = options.attribute_mapper
        self._excluded = options.exclude_attributes
        self._mutator = options.event_mutator
        self._limit = options.max_value_length
        self.active = bool(self._mapper or self._excluded or self._mutator)
        """False when none of the options is set: the attributes are recorded as they were built."""

    def shape(
        self, attributes: dict[str, AttributeValue], key: str, metadata: Mapping[str, Any] | None
    ) -> dict[str, AttributeValue]:
        """The attributes to record for the evaluation of flag `key`, built as `attributes`."""
        mapper = self._mapper
        if mapper is not None:
            extra = self._call("attribute_mapper", key, mapper, _EMPTY if metadata is None else metadata)
            if extra:
                # Extra attributes add to the evaluation's own, never replace them: the mutator is for that.
                attributes = {**extra, **attributes}
        excluded = self._excluded
        if excluded:
            attributes = {name: value for name, value in attributes.items() if name not in excluded}
        mutator = self._mutator
        if mutator is not None:
            mutated = self._call("event_mutator", key, mutator, dict(attributes))  # a copy: it may change it
            if mutated is not None and type(mutated.get(semconv.KEY)) is not str:
                report(f"ff_otel event_mutator dropped {semconv.KEY!r} for flag {key!r}; ignored")
            elif mutated is not None:
                attributes = {n: v for n, v in mutated.items() if n not in excluded} if excluded else mutated
        return attributes

    def _call(self, option: str, key: str, callback: Callable[[Any], object], argument: object) -> _Attributes | None:
        """What `callback(argument)` returned, as attributes; None (reported) if it raised or returned garbage.

        The mapper may return None for "nothing to add"; the mutator must return the attributes to record.
        """
        try:
            result = callback(argument)
        except Exception as error:
            report(f"ff_otel {option} raised for flag {key!r}", error)
            return None
        if result is None and option == "attribute_mapper":
            return None
        if not isinstance(result, Mapping):
            report(f"ff_otel {option} returned {type(result).__name__}, not a mapping, for flag {key!r}; ignored")
            return None
        attributes: _Attributes = {}
        try:
            for name, value in result.items():
                checked = _attribute_value(value, self._limit) if type(name) is str and name else None
                if checked is None:
                    report(f"ff_otel {option} returned an invalid attribute {name!r} for flag {key!r}; ignored")
                    return None
                attributes[name] = checked
        except Exception as error:  # a mapping whose iteration raises is garbage too
            report(f"ff_otel {option} returned a mapping that could not be read for flag {key!r}; ignored", error)
            return None
        return attributes


def _attribute_value(value: object, limit: int) -> AttributeValue | None:
    """`value` as a valid attribute value (strings cut to `limit`), or None if OpenTelemetry would reject it."""
    if isinstance(value, str):
        return truncate(value, limit)
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if _INT64_MIN <= value <= _INT64_MAX else None
    if isinstance(value, list | tuple):
        kinds = {type(item) for item in value}
        if len(kinds) > 1 or not kinds <= {str, bool, int, float}:
            return None
        if kinds == {str}:
            return tuple(truncate(item, limit) for item in value)
        if kinds == {int} and not all(_INT64_MIN <= item <= _INT64_MAX for item in value):
            return None
        return tuple(value)
    return None
