"""Requests traced by the real OpenTelemetry SDK, with ff-otel recording real OpenFeature evaluations.

Start and end times are set explicitly, so a test decides each request's latency without waiting for it. Each
request's variant comes from its evaluation context (`want`), through the real InMemoryProvider.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

import ff_otel
from ff_otel import _semconv as semconv
from tests._support.otlp_json import spans_line

START_NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z
MS = 1_000_000


def _chosen(flag: InMemoryFlag[Any], context: EvaluationContext) -> FlagResolutionDetails[Any]:
    wanted = str(context.attributes.get(f"want:{flag.default_variant}", flag.default_variant))
    return FlagResolutionDetails(value=flag.variants[wanted], variant=wanted, reason=Reason.TARGETING_MATCH)


def use_flags() -> None:
    """Three flags whose variant each evaluation context picks; the InMemoryProvider set and ready."""
    flags = {
        "new-checkout": InMemoryFlag("off", {"off": False, "on": True}, context_evaluator=_chosen),
        "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}, context_evaluator=_chosen),
        "max-items": InMemoryFlag("ten", {"ten": 10, "five": 5}, context_evaluator=_chosen),
    }
    api.set_provider_and_wait(InMemoryProvider(flags))


DEFAULTS = {"new-checkout": "off", "banner-color": "red", "max-items": "ten"}


def evaluate(variants: Mapping[str, str]) -> None:
    """Evaluate each flag of `variants` so that it resolves to the variant given."""
    client = api.get_client()
    for flag, variant in variants.items():
        context = EvaluationContext("user-1", {f"want:{DEFAULTS[flag]}": variant})
        if flag == "new-checkout":
            client.get_boolean_value(flag, False, context)
        elif flag == "banner-color":
            client.get_string_value(flag, "", context)
        else:
            client.get_integer_value(flag, 0, context)


class Shop:
    """A service's tracer with its own SDK provider and in-memory exporter."""

    def __init__(self, service: str = "shop") -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider(resource=Resource.create({"service.name": service}))
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer = self.provider.get_tracer("tests.impact")

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()

    @contextmanager
    def request(
        self, route: str, start_ns: int, duration_ns: int, *, status: int = 200, error: bool = False,
        parent: Span | None = None, summary: bool = True,
    ) -> Iterator[Span]:  # fmt: skip
        """A server span for one request, current inside the block, with ff-otel's request summary at the end."""
        context = None if parent is None else trace.set_span_in_context(parent)
        attributes: dict[str, str | int] = {"http.route": route, "http.response.status_code": status}
        span = self.tracer.start_span(
            f"GET {route}", context=context, kind=SpanKind.SERVER, start_time=start_ns, attributes=attributes
        )
        options = ff_otel.AdapterOptions(start_span=False, summary=summary)
        with (
            trace.use_span(span, end_on_exit=False),
            ff_otel.RequestScope(None, find_identity=lambda: None, options=options, span=span),
        ):
            yield span
        if error:
            span.set_status(Status(StatusCode.ERROR, "boom"))
        span.end(end_time=start_ns + duration_ns)

    @contextmanager
    def child(self, name: str, start_ns: int, kind: SpanKind = SpanKind.INTERNAL) -> Iterator[Span]:
        """A child span of the current one, current inside the block, ending 1 ms after it started."""
        span = self.tracer.start_span(name, kind=kind, start_time=start_ns)
        with trace.use_span(span, end_on_exit=False):
            yield span
        span.end(end_time=start_ns + MS)

    def evaluation_span(self, flag: str, variant: str, start_ns: int) -> None:
        """A span per evaluation, named and attributed as ff-otel's evaluation spans are."""
        attributes = {semconv.KEY: flag, semconv.RESULT_VARIANT: variant}
        span = self.tracer.start_span(semconv.EVALUATION_SPAN, start_time=start_ns, attributes=attributes)
        span.end(end_time=start_ns + 1000)


def write_lines(path: Path, spans: Sequence[ReadableSpan], per_line: int = 50, compress: bool = False) -> Path:
    """Write `spans` as file-exporter lines of `per_line` spans each (children before parents, as exported)."""
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as stream:
        for start in range(0, len(spans), per_line):
            stream.write(spans_line(spans[start : start + per_line]))
    return path
