"""Evaluations recorded as log records or as spans of their own: they count for the request they were made in."""

from __future__ import annotations

from pathlib import Path

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

import ff_otel
from ff_otel import _semconv as semconv
from ff_otel_impact import ImpactQuery, ImpactReport, analyze_files
from tests._support.otlp_json import logs_line
from tests.impact.traces import MS, START_NS, Shop, evaluate, use_flags, write_lines


def test_evaluation_log_records_give_the_variant(tmp_path: Path) -> None:
    shop = Shop()
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("tests.impact")
    for n in range(60):
        variant = "on" if n % 3 == 0 else "off"
        duration = (20 if variant == "on" else 5) * MS + n * 1000
        with (
            shop.request("/checkout", START_NS + n * 1000 * MS, duration),
            shop.child("render", START_NS + n * 1000 * MS),
        ):
            # As a log record in the current span's context, the way `events="log"` records an evaluation.
            logger.emit(event_name=semconv.EVALUATION_EVENT, attributes={semconv.KEY: "new-checkout",
                        semconv.RESULT_VARIANT: variant})  # fmt: skip
    write_lines(tmp_path / "traces.json", shop.spans())
    records = exporter.get_finished_logs()
    assert len(records) == 60
    (tmp_path / "logs.json").write_text("".join(logs_line(records[n : n + 20]) for n in range(0, 60, 20)))

    report = analyze_files([str(tmp_path)], ImpactQuery())

    checkout = report.flag("new-checkout")
    assert {v.variant: v.aggregate.requests for v in checkout.variants} == {"off": 40, "on": 20}
    on = checkout.variant("on").comparison
    assert on is not None
    assert on.findings == ("slower",)
    assert report.problems == ()


def _traffic(shop: Shop) -> None:
    """Sixty requests, without the request summary: the variant is only where the recording mode puts it."""
    for n in range(60):
        variant = "on" if n % 3 == 0 else "off"
        start = START_NS + n * 1000 * MS
        with shop.request("/checkout", start, (20 if variant == "on" else 5) * MS + n * 1000, summary=False):
            evaluate({"new-checkout": variant})


def _assert_found(report: ImpactReport) -> None:
    checkout = report.flag("new-checkout")
    assert {v.variant: v.aggregate.requests for v in checkout.variants} == {"off": 40, "on": 20}
    on = checkout.variant("on").comparison
    assert on is not None
    assert on.findings == ("slower",)


def test_ff_otels_log_events_give_the_variant(tmp_path: Path) -> None:
    use_flags()
    shop = Shop()
    exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
    provider = LoggerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    ff_otel.install(events="log", logger_provider=provider)
    _traffic(shop)
    ff_otel.uninstall()
    assert all(not span.events for span in shop.spans())
    write_lines(tmp_path / "traces.json", shop.spans())
    records = exporter.get_finished_logs()
    (tmp_path / "logs.json").write_text(logs_line(records))

    _assert_found(analyze_files([str(tmp_path)], ImpactQuery()))


def test_ff_otels_evaluation_spans_give_the_variant(tmp_path: Path) -> None:
    use_flags()
    shop = Shop()
    ff_otel.install(evaluation_spans=True, tracer_provider=shop.provider)
    _traffic(shop)
    ff_otel.uninstall()
    evaluation_spans = [span for span in shop.spans() if span.name == semconv.EVALUATION_SPAN]
    assert len(evaluation_spans) == 60
    write_lines(tmp_path / "traces.json", shop.spans())

    _assert_found(analyze_files([str(tmp_path)], ImpactQuery()))
