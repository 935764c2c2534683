"""One run of the demo: collector, sample app, scripted visit, and what was exported."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from sample_apps.demo._app_process import SampleApp
from sample_apps.demo._collector import Collector
from sample_apps.demo._visit import Hit, scripted_visit
from sample_apps.demo.records import ExportedLog, ExportedSpan, ImpactSeries


@dataclasses.dataclass(frozen=True)
class DemoRun:
    """What the demo did and what the sample app exported while it did."""

    framework: str
    base_url: str
    hits: list[Hit]
    spans: list[ExportedSpan]
    logs: list[ExportedLog]
    impact: list[ImpactSeries]
    raw: dict[str, list[dict[str, Any]]]
    exit_code: int
    output: str
    seconds: float

    def trace(self, hit: Hit) -> list[ExportedSpan]:
        """The spans of the request `hit`, in the order they started."""
        return sorted((s for s in self.spans if s.trace_id == hit.trace_id), key=lambda s: s.start_ns)

    def request_span(self, hit: Hit) -> ExportedSpan | None:
        """The server span of the request `hit`: the one whose parent is the trace context it was sent with."""
        return next((s for s in self.trace(hit) if s.parent_span_id == hit.parent_span_id), None)


def run_demo(framework: str) -> DemoRun:
    """Start the `framework` sample app, visit it, stop it, and return what it exported."""
    started = time.monotonic()
    with Collector() as collector:
        with SampleApp(framework, otlp_endpoint=collector.endpoint) as app:
            hits = scripted_visit(app.base_url)
            # A response can reach the client before its server span ends: stopping the app at once could lose
            # the last request's span, so wait until every request's span has been exported.
            collector.wait_for_traces([hit.trace_id for hit in hits], timeout=10.0)
            exit_code = app.stop()
            output = app.output()
        return DemoRun(
            framework=framework,
            base_url=app.base_url,
            hits=hits,
            spans=collector.spans(),
            logs=collector.logs(),
            impact=collector.impact(),
            raw=collector.raw(),
            exit_code=exit_code,
            output=output,
            seconds=time.monotonic() - started,
        )
