"""Per-evaluation cases by signal: what each way ff-otel can record an evaluation costs, against a bare evaluation.

Modes: span events (the default), log records in the span's context, both, evaluation spans, evaluation spans
with log records, and span events shaped by the three attribute callbacks. Traces and logs go to SDK providers with
batch processors (as in production) that export to nowhere, so every mode pays for the SDK's whole path and no
more. Metrics are off, to show the signal's own cost. Evaluations run 20 to a span, as in `_evaluation_cases`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

from openfeature import api
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

import ff_otel
from benchmarks._evaluation_cases import FLAG, PER_SPAN
from benchmarks._interleave import Batch, Case

BARE = "bare evaluation"
MODES: dict[str, dict[str, Any] | None] = {
    BARE: None,
    '`events="span"` (the default)': {},
    '`events="log"`': {"events": "log"},
    '`events="both"`': {"events": "both"},
    "`evaluation_spans=True`": {"evaluation_spans": True},
    '`evaluation_spans=True, events="log"`': {"evaluation_spans": True, "events": "log"},
    "span events shaped by the three callbacks": {
        "attribute_mapper": lambda metadata: {"app.flag.team": "payments"},
        "exclude_attributes": ["feature_flag.context.id"],
        "event_mutator": lambda attributes: attributes,
    },
}
SETTINGS = ("sampled span", "unsampled span")


class _NowhereSpans(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


class _NowhereLogs(LogRecordExporter):
    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        return LogRecordExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def case(mode: str, setting: str) -> Case:
    """One mode in one setting: spans of `PER_SPAN` evaluations each, the evaluations timed."""

    @contextlib.contextmanager
    def run() -> Iterator[Batch]:
        tracer_provider = TracerProvider(sampler=ALWAYS_ON if setting == "sampled span" else ALWAYS_OFF)
        tracer_provider.add_span_processor(BatchSpanProcessor(_NowhereSpans()))
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(BatchLogRecordProcessor(_NowhereLogs()))
        options = MODES[mode]
        if options is not None:
            ff_otel.install(metrics=False, tracer_provider=tracer_provider, logger_provider=logger_provider, **options)
        tracer = tracer_provider.get_tracer("benchmarks")
        client = api.get_client()

        def batch() -> float:
            with ff_otel.evaluation_context("user-42"), tracer.start_as_current_span("request"):
                start = time.perf_counter()
                for _ in range(PER_SPAN):
                    client.get_boolean_value(FLAG, False)
                return time.perf_counter() - start

        try:
            yield batch
        finally:
            ff_otel.uninstall()
            api.clear_hooks()
            tracer_provider.shutdown()
            logger_provider.shutdown()

    return run
