"""The options as keyword arguments: typed for mypy and editors, and shown by `help()` and `inspect.signature`.

`Options` and `AdapterOptions` declare the options (names, types, defaults, checks); the TypedDicts here give
their keyword form to `**options` parameters, and `option_signature` gives those functions a signature with one
keyword-only parameter per declared option. A test keeps the TypedDicts equal to the dataclasses' fields.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Collection
from typing import Any, TypedDict, TypeVar

from opentelemetry._logs import LoggerProvider
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from ff_otel._adapter_options import ContextBuilder, IdentityLookup
from ff_otel._options import AttributeMapper, CaptureValue, EventMutator, EventsMode, Redactor
from ff_otel._semconv import SemconvMode

_F = TypeVar("_F", bound=Callable[..., Any])


class OptionKeywords(TypedDict, total=False):
    """`Options` as keyword arguments (see `Options` for what each does)."""

    semconv: SemconvMode
    capture_value: CaptureValue
    max_value_length: int
    redact: Redactor | None
    value_allowlist: Collection[str] | None
    value_denylist: Collection[str]
    capture_error_message: bool
    log_outside_spans: bool
    max_events_per_span: int | None
    metrics: bool
    duration_histogram: bool
    pseudonymize_context_id: bool
    secret_key: str | bytes | None
    events: EventsMode
    evaluation_spans: bool
    exclude_exceptions: bool
    attribute_mapper: AttributeMapper | None
    exclude_attributes: Collection[str]
    event_mutator: EventMutator | None
    tracer_provider: TracerProvider | None
    logger_provider: LoggerProvider | None
    meter_provider: MeterProvider | None


class AdapterOptionKeywords(OptionKeywords, total=False):
    """`Options` and `AdapterOptions` as keyword arguments, for a web adapter's constructor."""

    context_builder: ContextBuilder | None
    identity: IdentityLookup | None
    excluded_urls: str | tuple[str, ...] | None
    start_span: bool
    summary: bool
    max_summary_flags: int
    persist_anonymous_id: bool
    impact_flags: Collection[str]
    max_impact_variants: int


def option_signature(*declarations: type) -> Callable[[_F], _F]:
    """Give a function taking `**options` the signature of its positional parameters followed by one keyword-only
    parameter per field of `declarations` (their defaults included), for `help()`, IDEs and `inspect`."""

    def decorate(function: _F) -> _F:
        own = [p for p in inspect.signature(function).parameters.values() if p.kind is not p.VAR_KEYWORD]
        keywords = [
            inspect.Parameter(
                field.name, inspect.Parameter.KEYWORD_ONLY, default=_default(field), annotation=field.type
            )
            for declaration in declarations
            for field in dataclasses.fields(declaration)
        ]
        function.__signature__ = inspect.Signature([*own, *keywords])  # type: ignore[attr-defined]
        return function

    return decorate


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    return field.default_factory() if field.default_factory is not dataclasses.MISSING else None
