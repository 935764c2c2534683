"""What `ff-otel impact` is asked: which requests count, which variant is the baseline, what counts as a change."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone


@dataclasses.dataclass(frozen=True)
class ImpactQuery:
    """Filters over requests (server spans) and the thresholds of the verdicts.

    Usage: ``ImpactQuery(flag="new-checkout", since=parse_instant("2026-01-01T00:00:00Z"))``
    """

    flag: str | None = None
    """Only this flag key."""
    service: str | None = None
    """Only requests served by this service (`service.name`)."""
    route: str | None = None
    """Only requests on this route (`http.route`, else the span name)."""
    since_ns: int | None = None
    """Only requests whose server span started at or after this instant (Unix nanoseconds)."""
    until_ns: int | None = None
    """Only requests whose server span started before this instant (Unix nanoseconds)."""
    baseline: str | None = None
    """The variant the others are compared with; by default each flag's variant with the most requests."""
    latency_margin: float = 0.10
    """A latency change smaller than this fraction is not called slower or faster, however sure."""
    error_margin: float = 0.01
    """An error-rate change smaller than this (absolute, 0.01 is one percentage point) is not called a change."""


def parse_instant(text: str) -> int:
    """An ISO 8601 timestamp as Unix nanoseconds; without a time zone it is UTC. Raises ValueError."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    moment = datetime.fromisoformat(cleaned)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    whole = int(moment.replace(microsecond=0).timestamp())
    return whole * 1_000_000_000 + moment.microsecond * 1000
