"""The cost of each way ff-otel can record an evaluation, per evaluation, against a bare evaluation in the same run.

Modes: span events (the default), log records in the span's context, both, evaluation spans, evaluation spans
with log records, and the three attribute callbacks. Traces and logs go to SDK providers with batch processors
(as in production) that export to nowhere, so every mode pays for the SDK's whole path and no more. Metrics are
off, as in the rest of the per-evaluation benchmarks, to show the signal's own cost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

import ff_otel

FLAG = "new-checkout"


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


def _providers(sampled: bool) -> tuple[TracerProvider, LoggerProvider]:
    tracer_provider = TracerProvider(sampler=ALWAYS_ON if sampled else ALWAYS_OFF)
    tracer_provider.add_span_processor(BatchSpanProcessor(_NowhereSpans()))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(_NowhereLogs()))
    return tracer_provider, logger_provider


MODES: dict[str, dict[str, Any] | None] = {
    "bare": None,
    "events=span": {},
    "events=log": {"events": "log"},
    "events=both": {"events": "both"},
    "evaluation_spans": {"evaluation_spans": True},
    "evaluation_spans, events=log": {"evaluation_spans": True, "events": "log"},
    "events=span + three callbacks": {
        "attribute_mapper": lambda metadata: {"app.flag.team": "payments"},
        "exclude_attributes": ["feature_flag.context.id"],
        "event_mutator": lambda attributes: attributes,
    },
}


@pytest.fixture(autouse=True)
def _provider() -> Iterator[None]:
    api.set_provider_and_wait(InMemoryProvider({FLAG: InMemoryFlag("on", {"on": True, "off": False})}))
    yield
    ff_otel.uninstall()
    api.clear_hooks()
    api.clear_providers()


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("sampled", [True, False], ids=["sampled span", "unsampled span"])
def test_signal(benchmark: Any, sampled: bool, mode: str) -> None:
    benchmark.group = f"per evaluation by signal, {'sampled' if sampled else 'unsampled'} span"
    benchmark.extra_info.update(case=mode, baseline=mode == "bare")
    tracer_provider, logger_provider = _providers(sampled)
    options = MODES[mode]
    if options is not None:
        ff_otel.install(
            max_events_per_span=None,  # every evaluation pays for its record, however long the run
            metrics=False,
            tracer_provider=tracer_provider,
            logger_provider=logger_provider,
            **options,
        )
    client = api.get_client()
    evaluate: Callable[[], bool] = lambda: client.get_boolean_value(FLAG, False)  # noqa: E731
    try:
        with tracer_provider.get_tracer("b").start_as_current_span("request"), ff_otel.evaluation_context("user-42"):
            assert benchmark(evaluate) is True
    finally:
        tracer_provider.shutdown()
        logger_provider.shutdown()
