"""Successful outcomes seen before, prepared once: all an evaluation records, but for its context id.

A flag evaluated again to the same variant, for the same reason, by the same provider records the same event
attributes (but for the context id), the same summary entry, the same impact variant and the same metric series.
The recorder prepares those once per outcome, from the `Evaluation` the general path would build, so both paths
record the same by construction; a later evaluation with that outcome only looks them up.

Only plain outcomes are kept: string keys, variants and provider names, a string or enum reason, no flag metadata,
and a plain value where the value policy consults it (never one that goes through the user's `redact`). Anything
else takes the general path.
"""

from __future__ import annotations

from enum import Enum

from opentelemetry.util.types import AttributeValue

from ff_otel._metrics import Series
from ff_otel._options import Options

_Attributes = dict[str, AttributeValue]
_PLAIN_VALUES = frozenset({str, bool, int, type(None)})
"""Values whose equal instances always record the same (with the type in the key: 1 is not True)."""
CAPACITY = 1024
"""Outcomes kept per recorder; a full memo starts again empty, so odd input never grows it."""


class KnownOutcome:
    """What every successful evaluation with one outcome records, prepared once."""

    __slots__ = ("head", "impact_variant", "key", "reason", "series", "summary_entry", "summary_key", "tail")

    def __init__(
        self,
        key: str,
        reason: object,
        head: _Attributes,
        tail: _Attributes,
        summary_key: str,
        summary_entry: str,
        impact_variant: str | None,
        series: Series,
    ) -> None:
        self.key = key
        self.reason = reason
        """The reason it was prepared for, kept alive: an enum member is looked up by identity."""
        self.head = head
        """The event attributes before the context id."""
        self.tail = tail
        """The event attributes after the context id."""
        self.summary_key = summary_key
        self.summary_entry = summary_entry
        """The request summary's `key=variant` entry."""
        self.impact_variant = impact_variant
        self.series = series
        """The metric series it counts in."""


class KnownOutcomes:
    """A bounded memo of prepared outcomes, for one set of options."""

    __slots__ = ("_max_length", "_reason_types", "_redacts", "_value_always", "_value_without_variant", "outcomes")

    def __init__(self, options: Options) -> None:
        # When the value policy consults the value, the value is part of the outcome.
        self._value_always = options.capture_value == "always"
        self._value_without_variant = options.capture_value != "never"
        self._redacts = options.redact is not None  # the user's code, maybe not pure: its outcomes are not kept
        self._max_length = options.max_value_length
        self.outcomes: dict[tuple[object, ...], KnownOutcome] = {}
        """Prepared outcomes by the key `key` gives; `keep` adds to them."""
        self._reason_types: set[type] = {str}
        """`str` and the enum types seen as reasons: the next reason of one of them is kept without asking again."""

    def key(
        self, key: object, value: object, variant: object, reason: object, metadata: object, provider_name: str | None
    ) -> tuple[object, ...] | None:
        """What decides a successful evaluation's record but its context id; None when it is not plain."""
        if type(key) is not str or not (variant is None or type(variant) is str):
            return None
        if metadata is not None and (type(metadata) is not dict or metadata):
            return None
        if reason is not None and type(reason) not in self._reason_types:
            if not isinstance(reason, Enum):
                return None  # another kind of reason (a str subclass, any object): the general path
            self._reason_types.add(type(reason))
        # An enum member by identity: members hash in Python, and a kept outcome keeps its reason alive, so the
        # id of one found in the memo is that very object's.
        reason_key = reason if type(reason) is str else id(reason)
        if self._value_always or (variant is None and self._value_without_variant):
            kind = type(value)
            if self._redacts or kind not in _PLAIN_VALUES or (kind is str and len(value) > self._max_length):  # type: ignore[arg-type]
                return None
            return (key, variant, reason_key, provider_name, kind, value)
        return (key, variant, reason_key, provider_name)

    def keep(self, cache_key: tuple[object, ...], known: KnownOutcome) -> None:
        """Remember `known` for later evaluations with the same outcome."""
        outcomes = self.outcomes
        if len(outcomes) >= CAPACITY:
            outcomes.clear()
        outcomes[cache_key] = known
