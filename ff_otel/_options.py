"""The options of the core, validated once when they are made."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal

from opentelemetry._logs import LoggerProvider
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from ff_otel._semconv import KEY, SEMCONV_MODES, SemconvMode

CaptureValue = Literal["auto", "always", "never"]
CAPTURE_VALUE_MODES = ("auto", "always", "never")

Redactor = Callable[[str, Any], Any]
"""`redact(flag_key, value)` returns the value to record instead, or None to record no value."""

EventsMode = Literal["span", "log", "both"]
EVENTS_MODES = ("span", "log", "both")

AttributeMapper = Callable[[Mapping[str, Any]], Mapping[str, Any]]
"""`attribute_mapper(flag_metadata)` returns extra attributes for the evaluation's record."""
EventMutator = Callable[[dict[str, Any]], Mapping[str, Any]]
"""`event_mutator(attributes)` returns the attributes to record instead of the finished ones."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Options:
    """How evaluations are recorded. Every field is optional; unknown or bad values raise at once.

    Usage: ``ff_otel.install(semconv="both", capture_value="never")``
    """

    semconv: SemconvMode = "latest"
    """`latest` (semantic conventions v1.44 / Appendix D), `legacy` (pre-1.32 names) or `both`."""
    capture_value: CaptureValue = "auto"
    """`auto` records the value only when the provider gave no variant; `always`; `never`."""
    max_value_length: int = 256
    """Recorded values (and error messages) are cut to this many characters."""
    redact: Redactor | None = None
    """Called as `redact(flag_key, value)` before a value is recorded; its result is recorded, None drops it."""
    value_allowlist: Collection[str] | None = None
    """When set, values are recorded only for these flag keys."""
    value_denylist: Collection[str] = frozenset()
    """Values of these flag keys are never recorded."""
    capture_error_message: bool = True
    """Record the provider's error message (cut to `max_value_length`); False leaves messages out."""
    log_outside_spans: bool = True
    """Record evaluations made outside any span as OpenTelemetry log records."""
    max_events_per_span: int | None = 64
    """Keep the first N evaluation events of a span and count the rest; None keeps all."""
    metrics: bool = True
    """Count evaluations when a meter provider is configured."""
    duration_histogram: bool = False
    """Also record `feature_flag.evaluation.duration` (a histogram: a few microseconds per evaluation)."""
    pseudonymize_context_id: bool = False
    """Record `feature_flag.context.id` as a keyed hash of the targeting key (needs `secret_key`)."""
    secret_key: str | bytes | None = dataclasses.field(default=None, repr=False)
    """Key for the pseudonymous ids (web adapters default it to the framework's secret key)."""
    events: EventsMode = "span"
    """Inside a recording span, each evaluation is a `span` event, a log record in the span's context (`log`), or
    `both`."""
    evaluation_spans: bool = False
    """Record each evaluation as a span of its own, covering the provider's resolution, instead of a span event."""
    exclude_exceptions: bool = False
    """Do not record the exception a provider raised (recorded by default as `exception.type`/`exception.message`)."""
    attribute_mapper: AttributeMapper | None = None
    """Called with the evaluation's flag metadata; the attributes it returns are added to the record."""
    exclude_attributes: Collection[str] = frozenset()
    """Attribute names never recorded (`feature_flag.key` cannot be excluded)."""
    event_mutator: EventMutator | None = None
    """Called with the finished attributes; what it returns is recorded instead."""
    tracer_provider: TracerProvider | None = None
    logger_provider: LoggerProvider | None = None
    meter_provider: MeterProvider | None = None

    def __post_init__(self) -> None:
        _choice("semconv", self.semconv, SEMCONV_MODES)
        _choice("capture_value", self.capture_value, CAPTURE_VALUE_MODES)
        _positive_int("max_value_length", self.max_value_length)
        if self.max_events_per_span is not None:
            _positive_int("max_events_per_span", self.max_events_per_span)
        _choice("events", self.events, EVENTS_MODES)
        _callable_or_none("redact", self.redact)
        _callable_or_none("attribute_mapper", self.attribute_mapper)
        _callable_or_none("event_mutator", self.event_mutator)
        object.__setattr__(self, "exclude_attributes", _attribute_names("exclude_attributes", self.exclude_attributes))
        for name in (
            "capture_error_message",
            "log_outside_spans",
            "metrics",
            "pseudonymize_context_id",
            "evaluation_spans",
            "exclude_exceptions",
            "duration_histogram",
        ):
            _bool(name, getattr(self, name))
        object.__setattr__(self, "value_denylist", _key_set("value_denylist", self.value_denylist))
        if self.value_allowlist is not None:
            object.__setattr__(self, "value_allowlist", _key_set("value_allowlist", self.value_allowlist))
        if self.secret_key is not None and not isinstance(self.secret_key, str | bytes):
            raise TypeError(f"ff_otel option 'secret_key' must be str or bytes, not {type(self.secret_key).__name__}")
        if self.pseudonymize_context_id and not self.secret_key:
            raise ValueError("ff_otel option 'pseudonymize_context_id' needs 'secret_key'")
        _instance_or_none("tracer_provider", self.tracer_provider, TracerProvider)
        _instance_or_none("logger_provider", self.logger_provider, LoggerProvider)
        _instance_or_none("meter_provider", self.meter_provider, MeterProvider)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> Options:
        """Options from a dict of option names, rejecting any name it does not know."""
        reject_unknown(values, OPTION_NAMES)
        return cls(**values)


OPTION_NAMES = frozenset(field.name for field in dataclasses.fields(Options))


def reject_unknown(values: Mapping[str, Any], known: frozenset[str]) -> None:
    """Raise TypeError naming the first option in `values` that is not in `known`."""
    unknown = sorted(set(values) - known)
    if unknown:
        raise TypeError(f"unknown ff_otel option {unknown[0]!r}; known options: {', '.join(sorted(known))}")


def _choice(name: str, value: object, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"ff_otel option {name!r} must be one of {', '.join(allowed)}; got {value!r}")


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"ff_otel option {name!r} must be a positive integer; got {value!r}")


def _bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"ff_otel option {name!r} must be True or False; got {value!r}")


def _callable_or_none(name: str, value: object) -> None:
    if value is not None and not callable(value):
        raise TypeError(f"ff_otel option {name!r} must be callable; got {value!r}")


def _instance_or_none(name: str, value: object, kind: type) -> None:
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"ff_otel option {name!r} must be a {kind.__module__}.{kind.__name__}; got {value!r}")


def _key_set(name: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Collection) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"ff_otel option {name!r} must be a collection of flag keys; got {value!r}")
    return frozenset(value)


def _attribute_names(name: str, value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Collection) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"ff_otel option {name!r} must be a collection of attribute names; got {value!r}")
    if KEY in value:
        raise ValueError(f"ff_otel option {name!r} cannot exclude {KEY!r}: every record needs the flag key")
    return frozenset(value)
