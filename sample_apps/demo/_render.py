"""The demo's report: each request's span tree with its flag events, then the log records made outside requests."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

from ff_otel.integration import semconv
from sample_apps.common.flags import FLAGS_FILE
from sample_apps.demo._app_process import PROJECT_ROOT
from sample_apps.demo._run import DemoRun
from sample_apps.demo._style import Style
from sample_apps.demo.records import SPAN_KIND_SERVER, ExportedSpan

FRAMEWORK_NAMES = {"fastapi": "FastAPI", "flask": "Flask", "django": "Django"}
_CONTEXT_ID_WIDTH = 14
_KEY_WIDTH = 18
_VARIANT_WIDTH = 8
_REASON_WIDTH = 22


def render(run: DemoRun, style: Style) -> str:
    """The whole report, as text ending in a newline."""
    sections = [*_header(run, style), *_requests(run, style), *_logs(run, style), *_impact(run, style)]
    return "\n".join([*sections, *_footer(run, style)]) + "\n"


def _header(run: DemoRun, style: Style) -> Iterator[str]:
    name = FRAMEWORK_NAMES.get(run.framework, run.framework)
    yield style(f"ff-otel demo: the {name} sample app at {run.base_url}", "bold")
    flag_set = next((event for span in run.spans for event in _flag_events(span) if semconv.SET_ID in event), None)
    flags_file = FLAGS_FILE.relative_to(PROJECT_ROOT) if FLAGS_FILE.is_relative_to(PROJECT_ROOT) else FLAGS_FILE
    described = f"flagd, offline, from {flags_file}"
    if flag_set is not None:
        described += f" (flag set {flag_set[semconv.SET_ID]}, version {flag_set.get(semconv.VERSION, '?')})"
    yield style(f"flags:     {described}", "dim")
    yield style("telemetry: OpenTelemetry SDK, OTLP/HTTP to the demo's own collector", "dim")
    yield ""


def _requests(run: DemoRun, style: Style) -> Iterator[str]:
    yield style("Requests: each request's span, and the flag evaluations recorded on it as span events", "bold")
    yield style("(each flag event: key, variant or value, reason, context id)", "dim")
    number_width = len(str(len(run.hits)))
    visitor_width = max((len(hit.visitor) for hit in run.hits), default=0)
    for number, hit in enumerate(run.hits, 1):
        colour = "green" if hit.status < 400 else "red"
        yield (
            f"{number:>{number_width}}. {style(f'{hit.visitor:<{visitor_width}}', 'cyan')}  "
            f"{style(hit.method, 'bold')} {hit.path}  " + style(str(hit.status), colour)
        )
        span = run.request_span(hit)
        if span is None:
            yield style("    (no span was exported for this request)", "yellow")
            continue
        yield from _span_tree(span, run.trace(hit), "    ", True, style)
    yield ""


def _span_tree(span: ExportedSpan, trace: list[ExportedSpan], indent: str, last: bool, style: Style) -> Iterator[str]:
    children = [child for child in trace if child.parent_span_id == span.span_id and _has_flags(child, trace)]
    events = list(_flag_events(span))
    branch = "└─ " if last else "├─ "
    yield f"{indent}{branch}{_describe_span(span, style)}"
    inner = indent + ("   " if last else "│  ")
    if not events and not children and span.kind == SPAN_KIND_SERVER:
        yield f"{inner}{style('no flags evaluated', 'dim')}"
    for index, event in enumerate(events):
        is_last = index == len(events) - 1 and not children
        yield f"{inner}{'└─ ' if is_last else '├─ '}{_describe_event(event, style)}"
    for index, child in enumerate(children):
        yield from _span_tree(child, trace, inner, index == len(children) - 1, style)


def _describe_span(span: ExportedSpan, style: Style) -> str:
    kind = "server span" if span.kind == SPAN_KIND_SERVER else "span"
    parts = [style(span.name, "bold"), style(f"{kind}, {span.duration_ms:.1f} ms", "dim")]
    evaluations = span.attributes.get(semconv.SUMMARY_EVALUATION_COUNT)
    if evaluations:
        flags = span.attributes.get(semconv.SUMMARY_FLAG_COUNT, 0)
        parts.append(style(f"summary: {_count(flags, 'flag')}, {_count(evaluations, 'evaluation')}", "dim"))
    return "  ".join(parts)


def _describe_event(attributes: Mapping[str, Any], style: Style) -> str:
    key = str(attributes.get(semconv.KEY, "?"))
    variant = attributes.get(semconv.RESULT_VARIANT)
    if variant is None:
        variant = attributes.get(semconv.RESULT_VALUE, "-")
    error = attributes.get(semconv.ERROR_TYPE)
    reason = f"error: {error}" if error else str(attributes.get(semconv.RESULT_REASON, "-"))
    context_id = _short(str(attributes.get(semconv.CONTEXT_ID, "(none)")))
    return (
        f"{style(f'{key:<{_KEY_WIDTH}}', 'bold')} {style(f'{variant!s:<{_VARIANT_WIDTH}}', 'green')} "
        f"{style(f'{reason:<{_REASON_WIDTH}}', 'red' if error else 'yellow')} {style(context_id, 'magenta')}"
    )


def _logs(run: DemoRun, style: Style) -> Iterator[str]:
    records = [record for record in run.logs if record.event_name == semconv.EVALUATION_EVENT]
    yield style("Outside requests: flag evaluations of the start-up job, recorded as log records", "bold")
    if not records:
        yield style("    (none)", "yellow")
    for record in records:
        moment = time.strftime("%H:%M:%S", time.localtime(record.time_ns / 1e9))
        yield f"    {style(moment, 'dim')}  {_describe_event(record.attributes, style)}"
    yield ""


def _impact(run: DemoRun, style: Style) -> Iterator[str]:
    yield style(
        f"Flag impact: each request's duration and errors per variant ({semconv.METRIC_REQUEST_DURATION})", "bold"
    )
    totals: dict[tuple[str, str], list[float]] = {}  # (flag, variant) -> [requests, seconds, errors]
    for series in run.impact:
        flag = str(series.attributes.get(semconv.KEY, "?"))
        variant = str(series.attributes.get(semconv.RESULT_VARIANT, "(no variant)"))
        total = totals.setdefault((flag, variant), [0, 0.0, 0])
        total[0] += series.count
        total[1] += series.seconds
        total[2] += series.count if semconv.ERROR_TYPE in series.attributes else 0
    if not totals:
        yield style("    (none: no request evaluated an impact flag)", "yellow")
    for (flag, variant), (requests, seconds, errors) in sorted(totals.items()):
        mean_ms = seconds / requests * 1000 if requests else 0.0
        yield (
            f"    {style(f'{flag:<{_KEY_WIDTH}}', 'bold')} {style(f'{variant:<{_VARIANT_WIDTH}}', 'green')} "
            f"{_count(int(requests), 'request'):>12}, mean {mean_ms:7.1f} ms, "
            f"{style(_count(int(errors), 'error'), 'red' if errors else 'dim')}"
        )
    yield ""


def _footer(run: DemoRun, style: Style) -> Iterator[str]:
    events = sum(len(list(_flag_events(span))) for span in run.spans)
    logs = sum(1 for record in run.logs if record.event_name == semconv.EVALUATION_EVENT)
    yield style(
        f"{_count(len(run.hits), 'request')}, {_count(events, 'flag event')} on spans, {_count(logs, 'log record')}, "
        f"in {run.seconds:.1f} s.",
        "bold",
    )
    yield style("--json prints the raw OTLP records; --framework flask or django runs another sample app.", "dim")


def _flag_events(span: ExportedSpan) -> Iterator[Mapping[str, Any]]:
    return (event.attributes for event in span.events if event.name == semconv.EVALUATION_EVENT)


def _has_flags(span: ExportedSpan, trace: list[ExportedSpan]) -> bool:
    if any(True for _ in _flag_events(span)):
        return True
    return any(_has_flags(child, trace) for child in trace if child.parent_span_id == span.span_id)


def _short(text: str) -> str:
    return text if len(text) <= _CONTEXT_ID_WIDTH else text[: _CONTEXT_ID_WIDTH - 1] + "…"


def _count(number: object, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
