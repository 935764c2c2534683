"""The report as a readable table, and as JSON."""

from __future__ import annotations

import json
import math
from typing import Any

from ff_otel_impact._report import ImpactReport, VariantReport
from ff_otel_impact._stats import Interval

_HEADERS = ("variant", "requests", "error rate (95% CI)", "p50", "p90", "p99", "latency ratio (95% CI)",
            "error diff (95% CI)", "verdict")  # fmt: skip
_RIGHT = {1, 3, 4, 5}


def render_table(report: ImpactReport) -> str:
    """One block per flag: a row per variant, the baseline first."""
    blocks = []
    for flag in report.flags:
        rows = [_HEADERS, *(_row(variant) for variant in flag.variants)]
        widths = [max(len(row[column]) for row in rows) for column in range(len(_HEADERS))]
        lines = [f"{flag.flag}  (baseline: {flag.baseline})"]
        for row in rows:
            cells = [cell.rjust(width) if n in _RIGHT else cell.ljust(width) for n, (cell, width) in
                     enumerate(zip(row, widths, strict=True))]  # fmt: skip
            lines.append("  ".join(cells).rstrip())
        blocks.append("\n".join(lines))
    if not report.flags:
        blocks.append("no request with a flag evaluation matched")
    return "\n\n".join(blocks) + "\n"


def _row(variant: VariantReport) -> tuple[str, ...]:
    aggregate, comparison = variant.aggregate, variant.comparison
    if comparison is None:
        ratio, difference, verdict = "", "", "baseline"
    else:
        ratio = "n/a" if comparison.latency_ratio is None else _ratio(comparison.latency_ratio)
        difference = _points(comparison.error_difference)
        verdict = comparison.verdict
    return (
        aggregate.variant,
        f"{aggregate.requests:,}",
        f"{_percent(variant.error_rate.estimate)} ({_percent(variant.error_rate.low)}-"
        f"{_percent(variant.error_rate.high)})",
        duration(aggregate.p50_ns),
        duration(aggregate.p90_ns),
        duration(aggregate.p99_ns),
        ratio,
        difference,
        verdict,
    )


def duration(nanoseconds: float) -> str:
    """A duration with three significant digits and a unit that suits it: `412 us`, `3.10 ms`, `1.20 s`."""
    if math.isnan(nanoseconds):
        return "n/a"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if nanoseconds >= scale:
            return f"{_three(nanoseconds / scale)} {unit}"
    return f"{nanoseconds:.0f} ns"


def _three(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _percent(rate: float) -> str:
    return "n/a" if math.isnan(rate) else f"{rate * 100:.1f}%"


def _ratio(interval: Interval) -> str:
    return f"{interval.estimate:.2f}x ({interval.low:.2f}-{interval.high:.2f})"


def _points(interval: Interval) -> str:
    return f"{interval.estimate * 100:+.1f} pts ({interval.low * 100:+.1f} to {interval.high * 100:+.1f})"


def render_json(report: ImpactReport) -> str:
    """The report as a JSON document: durations in nanoseconds, rates as fractions."""
    return json.dumps(report_document(report), indent=2) + "\n"


def report_document(report: ImpactReport) -> dict[str, Any]:
    """The report as plain data (what `--json` prints)."""
    return {
        "flags": [
            {
                "flag": flag.flag,
                "baseline": flag.baseline,
                "variants": [_variant_document(variant) for variant in flag.variants],
            }
            for flag in report.flags
        ],
        "problems": list(report.problems),
    }


def _variant_document(variant: VariantReport) -> dict[str, Any]:
    aggregate, comparison = variant.aggregate, variant.comparison
    document: dict[str, Any] = {
        "variant": aggregate.variant,
        "requests": aggregate.requests,
        "errors": aggregate.errors,
        "error_rate": _interval(variant.error_rate),
        "latency_ns": {"p50": aggregate.p50_ns, "p90": aggregate.p90_ns, "p99": aggregate.p99_ns},
        "geometric_mean_ns": math.exp(aggregate.log_mean),
        "baseline": comparison is None,
    }
    if comparison is not None:
        ratio = comparison.latency_ratio
        document["latency_ratio"] = None if ratio is None else _interval(ratio)
        document["error_rate_difference"] = _interval(comparison.error_difference)
        document["findings"] = list(comparison.findings)
        document["verdict"] = comparison.verdict
    return document


def _interval(interval: Interval) -> dict[str, float | None]:
    return {name: None if math.isnan(value) else value for name, value in interval._asdict().items()}
