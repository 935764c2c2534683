"""The request in progress, as the recording path sees it: its flag summary and the options of the app serving it.

It has a context variable of its own, apart from the evaluation context, so a block or a direct
`api.set_transaction_context(...)` inside a request never hides which request an evaluation belongs to.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING

from opentelemetry.trace import Span

from ff_otel import _semconv as semconv
from ff_otel._span_attributes import set_valid_attributes

if TYPE_CHECKING:
    from ff_otel._impact import RequestImpact
    from ff_otel._recorder import Recorder


class RequestSummary:
    """The flags one request evaluated, written onto its span when it ends."""

    __slots__ = ("entries", "evaluations", "keys", "max_entries", "span")

    def __init__(self, span: Span, max_entries: int) -> None:
        self.span = span
        self.max_entries = max_entries
        self.entries: dict[str, None] = {}  # insertion-ordered set of "key=variant"
        self.keys: set[str] = set()
        self.evaluations = 0

    def note(self, key: str, variant: str | None) -> None:
        """Count one evaluation of `key` that resolved to `variant`."""
        self.evaluations += 1
        self.keys.add(key)
        if len(self.entries) < self.max_entries:
            self.entries[key if variant is None else f"{key}={variant}"] = None

    def note_entry(self, key: str, entry: str) -> None:
        """`note`, with the entry (`key` or `key=variant`) already made."""
        self.evaluations += 1
        self.keys.add(key)
        if len(self.entries) < self.max_entries:
            self.entries[entry] = None

    def write(self) -> None:
        """Put the summary on the request span, if anything was evaluated and the span still records."""
        if self.evaluations and self.span.is_recording():
            set_valid_attributes(
                self.span,
                {
                    semconv.SUMMARY_FLAGS: tuple(self.entries),
                    semconv.SUMMARY_FLAG_COUNT: len(self.keys),
                    semconv.SUMMARY_EVALUATION_COUNT: self.evaluations,
                },
            )


class InFlight:
    """One request being served: where its summary goes, which recorder its app's options made, its impact."""

    __slots__ = ("impact", "recorder", "summary")

    def __init__(
        self, summary: RequestSummary | None, recorder: Recorder | None, impact: RequestImpact | None = None
    ) -> None:
        self.summary = summary
        self.recorder = recorder
        self.impact = impact


IN_FLIGHT: contextvars.ContextVar[InFlight | None] = contextvars.ContextVar("ff_otel_in_flight", default=None)
