"""Successful outcomes seen before, prepared once: all an evaluation records, but for its context id.

A flag evaluated again to the same variant, for the same reason, by the same provider records the same event
attributes (but for the context id), the same summary entry, the same impact variant and the same metric series.
The recorder prepares those once per outcome, from the `Evaluation` the general path would build, so both paths
record the same by construction; a later evaluation with that outcome only looks them up.

Only plain outcomes are kept: string keys, variants and provider names, a string or enum reason, flag metadata
that is a plain dict whose flag set id and version (the only parts of it recorded) are plain values and that gives
no context id of its own, and a plain value where the value policy consults it (never one that goes through the
user's `redact`). Anything else takes the general path.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._evaluation import Evaluation
from ff_otel._metrics import Series
from ff_otel._options import Options
from ff_otel._span_event import SharedAttributes

_Attributes = dict[str, AttributeValue]
_PLAIN_VALUES = frozenset({str, bool, int, type(None)})
"""Values whose equal instances always record the same (with the type in the key: 1 is not True)."""
CAPACITY = 1024
"""Outcomes kept per recorder; a full memo starts again empty, so odd input never grows it."""
ANY_VALUE = object()
"""Stands for the value where it is not part of the outcome."""


class KnownOutcome:
    """What every successful evaluation with one outcome records, prepared once."""

    __slots__ = ("event", "head", "impact_variant", "key", "reason", "series", "summary_entry", "summary_key", "tail")

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
        self.event: SharedAttributes | None = None
        """The whole event attributes last recorded for it, labelled with their context id: a flag evaluated again
        for the same context records them again as they are."""

    def event_for(self, context_id: str | None) -> SharedAttributes:
        """The whole event attributes for `context_id`: those recorded last when it is the same id, else built and
        kept as the last."""
        event = self.event
        if event is None or event.label != context_id:
            attributes = dict(self.head)
            if context_id is not None:
                attributes[semconv.CONTEXT_ID] = context_id
            if self.tail:
                attributes.update(self.tail)
            event = self.event = SharedAttributes(context_id, attributes)
        return event


Prepare = Callable[[Evaluation], "KnownOutcome | None"]
"""Builds an outcome's record from an `Evaluation` of it (None when its attributes are not all plain)."""


def metadata_matches(metadata: object, expected: tuple[object, object]) -> bool:
    """True when `metadata` records what the flag set id and version `expected` (the very objects) record."""
    return (
        type(metadata) is dict
        and metadata.get(semconv.METADATA_FLAG_SET_ID) is expected[0]
        and metadata.get(semconv.METADATA_VERSION) is expected[1]
        and metadata.get(semconv.METADATA_CONTEXT_ID) is None
    )


Latest = dict[str, tuple[object, object, object, object, "tuple[object, object] | None", KnownOutcome]]
"""Per flag key: the variant, reason, provider and value (or `ANY_VALUE`) of its last outcome, as the very objects,
the flag set id and version of its metadata (None without either), and the outcome's record."""


class KnownOutcomes:
    """A bounded memo of prepared outcomes, for one set of options."""

    __slots__ = (
        "_max_length",
        "_prepare",
        "_reason_types",
        "_redacts",
        "_value_always",
        "_value_without_variant",
        "latest",
        "outcomes",
    )

    def __init__(self, options: Options, prepare: Prepare) -> None:
        # When the value policy consults the value, the value is part of the outcome.
        self._value_always = options.capture_value == "always"
        self._value_without_variant = options.capture_value != "never"
        self._redacts = options.redact is not None  # the user's code, maybe not pure: its outcomes are not kept
        self._max_length = options.max_value_length
        self._prepare = prepare
        self.outcomes: dict[tuple[object, ...], KnownOutcome] = {}
        """Prepared outcomes by what decides them (see `find`); `keep` adds to them."""
        self._reason_types: set[type] = set()
        """The enum types seen as reasons: the next reason of one of them is kept without asking again."""
        self.latest: Latest = {}
        """What `find` was last asked about by the recording path, per flag key, with what it found."""

    def again(
        self, key: object, value: object, variant: object, reason: object, metadata: object, provider: object
    ) -> KnownOutcome | None:
        """What `find` gave the last time this flag was answered by the same provider object with the very same
        objects (a provider's own variant strings, an enum reason, `True`), or None: nothing to check but that."""
        latest = self.latest.get(key) if type(key) is str else None
        if (
            latest is not None
            and latest[0] is variant
            and latest[1] is reason
            and latest[2] is provider
            and (latest[3] is value or latest[3] is ANY_VALUE)
        ):
            expected = latest[4]
            if expected is None:
                if metadata is None or (type(metadata) is dict and not metadata):
                    return latest[5]
            elif metadata_matches(metadata, expected):
                return latest[5]
        return None

    def find(
        self,
        key: object,
        value: object,
        variant: object,
        reason: object,
        metadata: object,
        provider_name: str | None,
        provider: object = None,
    ) -> KnownOutcome | None:
        """The prepared record of a successful evaluation with this outcome (prepared now if it is new), or None
        when it is not plain and takes the general path: what decides it is all but the context id. With the
        `provider` object that answered, `again` finds it next time."""
        if type(key) is not str or (variant is not None and type(variant) is not str):
            return None
        expected: tuple[object, object] | None = None
        if metadata is not None:
            if type(metadata) is not dict:
                return None  # a provider's own mapping: the general path reads it, and reports what fails
            if metadata:
                # Of a flag's metadata only its set id and version are recorded; a context id the provider gives
                # may change from one evaluation to the next, and takes the general path.
                set_id, version = metadata.get(semconv.METADATA_FLAG_SET_ID), metadata.get(semconv.METADATA_VERSION)
                if (
                    metadata.get(semconv.METADATA_CONTEXT_ID) is not None
                    or type(set_id) not in _PLAIN_VALUES
                    or type(version) not in _PLAIN_VALUES
                ):
                    return None
                if set_id is not None or version is not None:
                    expected = (set_id, version)
        # An enum member by identity: members hash in Python, and a kept outcome keeps its reason alive, so the
        # id of one found in the memo is that very object's.
        if reason is None or type(reason) is str:
            reason_key: object = reason
        elif type(reason) in self._reason_types:
            reason_key = id(reason)
        elif isinstance(reason, Enum):
            self._reason_types.add(type(reason))
            reason_key = id(reason)
        else:
            return None  # another kind of reason (a str subclass, any object): the general path
        decided_by_metadata = (
            () if expected is None else (type(expected[0]), expected[0], type(expected[1]), expected[1])
        )
        if self._value_always or (variant is None and self._value_without_variant):
            kind = type(value)
            if self._redacts or kind not in _PLAIN_VALUES or (kind is str and len(value) > self._max_length):  # type: ignore[arg-type]
                return None
            cache_key: tuple[object, ...] = (key, variant, reason_key, provider_name, kind, value, *decided_by_metadata)
            value_seen = value
        else:
            cache_key = (key, variant, reason_key, provider_name, *decided_by_metadata)
            value_seen = ANY_VALUE
        known = self.outcomes.get(cache_key)
        if known is None:
            evaluation = Evaluation(key, value, variant, reason, None, None, metadata, provider_name)
            known = self._prepare(evaluation)
            if known is None:
                return None
            self.keep(cache_key, known)
        if provider is not None:
            self.latest[key] = (variant, reason, provider, value_seen, expected, known)
        return known

    def keep(self, cache_key: tuple[object, ...], known: KnownOutcome) -> None:
        """Remember `known` for later evaluations with the same outcome."""
        outcomes = self.outcomes
        if len(outcomes) >= CAPACITY:
            outcomes.clear()
            self.latest.clear()  # never more entries than outcomes: one per flag key of a kept outcome
        outcomes[cache_key] = known
