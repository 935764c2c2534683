"""Options that every web adapter shares, on top of the core's."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from ff_otel._identity import Identity
from ff_otel._options import OPTION_NAMES, Options, reject_unknown

ContextBuilder = Callable[[Any], Mapping[str, Any]]
"""`context_builder(request)` returns extra evaluation-context attributes (plan, country, email domain ...)."""

IdentityLookup = Callable[[Any], "Identity | str | None"]
"""`identity(request)` returns an Identity, a user id, or None to fall back to the adapter's own lookup."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class AdapterOptions:
    """What a web adapter does per request. Every field is optional.

    Usage: ``app.add_middleware(FeatureFlagMiddleware, context_builder=build_context, excluded_urls="/healthz")``
    """

    context_builder: ContextBuilder | None = None
    """Adds attributes to each request's evaluation context; an exception there is logged, never raised."""
    identity: IdentityLookup | None = None
    """Replaces the adapter's user lookup (JWT bearer tokens, API keys ...)."""
    excluded_urls: str | tuple[str, ...] | None = None
    """Comma-separated regular expressions (or a sequence); None reads the OTEL_PYTHON_*_EXCLUDED_URLS variables."""
    start_span: bool = True
    """Start an HTTP server span when OpenTelemetry's own instrumentation has not."""
    summary: bool = True
    """Write the distinct flags evaluated in a request onto its span when it ends."""
    max_summary_flags: int = 32
    """At most this many `key=variant` entries in the summary (the counts stay exact)."""
    persist_anonymous_id: bool = False
    """Give visitors with neither user nor session id a random id kept in their session, for stable rollouts."""
    impact_flags: Collection[str] = frozenset()
    """Flag keys whose variants get each request's duration, status and error in `ff_otel.request.duration`."""
    max_impact_variants: int = 10
    """At most this many variants per impact flag in the histogram; the rest are recorded as `_OTHER`."""

    def __post_init__(self) -> None:
        for name in ("context_builder", "identity"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise TypeError(f"ff_otel option {name!r} must be callable; got {value!r}")
        for name in ("start_span", "summary", "persist_anonymous_id"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"ff_otel option {name!r} must be True or False; got {getattr(self, name)!r}")
        limit = self.max_summary_flags
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"ff_otel option 'max_summary_flags' must be a non-negative integer; got {limit!r}")
        flags = self.impact_flags
        if isinstance(flags, str) or not isinstance(flags, Collection) or not all(isinstance(k, str) for k in flags):
            raise TypeError(f"ff_otel option 'impact_flags' must be a collection of flag keys; got {flags!r}")
        object.__setattr__(self, "impact_flags", frozenset(flags))
        variants = self.max_impact_variants
        if isinstance(variants, bool) or not isinstance(variants, int) or variants < 1:
            raise ValueError(f"ff_otel option 'max_impact_variants' must be a positive integer; got {variants!r}")
        urls = self.excluded_urls
        if urls is not None and not isinstance(urls, str):
            if not all(isinstance(url, str) for url in urls):
                raise TypeError(f"ff_otel option 'excluded_urls' must be a string or strings; got {urls!r}")
            object.__setattr__(self, "excluded_urls", tuple(urls))
        if urls is not None:
            patterns = urls.split(",") if isinstance(urls, str) else urls  # as OpenTelemetry splits the string
            try:
                re.compile("|".join(pattern.strip() for pattern in patterns if pattern.strip()))
            except re.error as error:
                raise ValueError(f"ff_otel option 'excluded_urls' is not a valid regular expression: {error}") from None


ADAPTER_OPTION_NAMES = frozenset(field.name for field in dataclasses.fields(AdapterOptions))


def split_options(
    values: Mapping[str, Any], *, default_secret_key: str | bytes | None = None
) -> tuple[Options, AdapterOptions]:
    """Core and adapter options from one mapping; an unknown name raises TypeError naming it.

    `default_secret_key` (the framework's own secret) is the `secret_key` when the mapping gives none.

    Usage: ``options, adapter_options = split_options(settings.FF_OTEL, default_secret_key=settings.SECRET_KEY)``
    """
    reject_unknown(values, OPTION_NAMES | ADAPTER_OPTION_NAMES)
    if values.get("secret_key") is None and default_secret_key:
        values = {**values, "secret_key": default_secret_key}
    core = Options(**{k: v for k, v in values.items() if k in OPTION_NAMES})
    adapter = AdapterOptions(**{k: v for k, v in values.items() if k in ADAPTER_OPTION_NAMES})
    return core, adapter
