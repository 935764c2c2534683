"""From per-variant aggregates to the report: error rates, the comparison with the baseline, and a verdict."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Final

from ff_otel_impact._aggregates import VariantAggregate
from ff_otel_impact._query import ImpactQuery
from ff_otel_impact._stats import Interval, geometric_mean_ratio, newcombe, wilson

NO_DIFFERENCE: Final = "no difference found at this sample size"
SLOWER: Final = "slower"
FASTER: Final = "faster"
MORE_ERRORS: Final = "more errors"
FEWER_ERRORS: Final = "fewer errors"


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One variant against its flag's baseline."""

    latency_ratio: Interval | None
    """Ratio of geometric-mean latencies (variant / baseline), None with fewer than two requests on a side."""
    error_difference: Interval
    """Error rate of the variant minus that of the baseline."""
    findings: tuple[str, ...]
    """What is different: any of slower / faster and more errors / fewer errors; empty when nothing is."""

    @property
    def verdict(self) -> str:
        """The findings in plain words, or that none was found."""
        return ", ".join(self.findings) if self.findings else NO_DIFFERENCE


@dataclasses.dataclass(frozen=True)
class VariantReport:
    """One variant of one flag."""

    aggregate: VariantAggregate
    error_rate: Interval
    comparison: Comparison | None
    """None for the baseline itself."""

    @property
    def variant(self) -> str:
        return self.aggregate.variant


@dataclasses.dataclass(frozen=True)
class FlagReport:
    """Every variant of one flag, the baseline first."""

    flag: str
    baseline: str
    variants: tuple[VariantReport, ...]

    def variant(self, name: str) -> VariantReport:
        """The report of variant `name`. Raises KeyError."""
        for report in self.variants:
            if report.variant == name:
                return report
        raise KeyError(name)


@dataclasses.dataclass(frozen=True)
class ImpactReport:
    """The whole answer: one entry per flag, and the problems met while reading."""

    flags: tuple[FlagReport, ...]
    problems: tuple[str, ...] = ()

    def flag(self, key: str) -> FlagReport:
        """The report of flag `key`. Raises KeyError."""
        for report in self.flags:
            if report.flag == key:
                return report
        raise KeyError(key)


def build_report(
    aggregates: Iterable[VariantAggregate], query: ImpactQuery, problems: Sequence[str] = ()
) -> ImpactReport:
    """Group the aggregates by flag, pick each flag's baseline and compare every other variant with it."""
    by_flag: dict[str, list[VariantAggregate]] = {}
    for aggregate in aggregates:
        by_flag.setdefault(aggregate.flag, []).append(aggregate)
    flags = tuple(_flag_report(flag, variants, query) for flag, variants in sorted(by_flag.items()))
    notes = [
        f"flag {flag.flag} has no variant {query.baseline!r}; compared with {flag.baseline!r}, its most requested"
        for flag in flags
        if query.baseline is not None and flag.baseline != query.baseline
    ]
    return ImpactReport(flags, (*problems, *notes))


def _flag_report(flag: str, variants: list[VariantAggregate], query: ImpactQuery) -> FlagReport:
    names = {variant.variant for variant in variants}
    if query.baseline is not None and query.baseline in names:
        baseline_name = query.baseline
    else:  # the most requests; ties go to the first name, so that the choice is stable
        baseline_name = min(variants, key=lambda variant: (-variant.requests, variant.variant)).variant
    baseline = next(variant for variant in variants if variant.variant == baseline_name)
    base_rate = wilson(baseline.errors, baseline.requests)
    ordered = [baseline, *sorted((v for v in variants if v is not baseline), key=lambda v: (-v.requests, v.variant))]
    reports = []
    for variant in ordered:
        rate = wilson(variant.errors, variant.requests)
        comparison = None if variant is baseline else _compare(variant, rate, baseline, base_rate, query)
        reports.append(VariantReport(variant, rate, comparison))
    return FlagReport(flag, baseline_name, tuple(reports))


def _compare(
    variant: VariantAggregate, rate: Interval, baseline: VariantAggregate, base_rate: Interval, query: ImpactQuery
) -> Comparison:
    ratio = geometric_mean_ratio(
        variant.log_mean, variant.log_variance, variant.requests,
        baseline.log_mean, baseline.log_variance, baseline.requests,
    )  # fmt: skip
    difference = newcombe(rate, base_rate)
    findings = []
    # A finding needs both: an interval that excludes "no change", and a change larger than the margin.
    if ratio is not None:
        if ratio.low > 1 and ratio.estimate >= 1 + query.latency_margin:
            findings.append(SLOWER)
        elif ratio.high < 1 and ratio.estimate <= 1 / (1 + query.latency_margin):
            findings.append(FASTER)
    if difference.low > 0 and difference.estimate >= query.error_margin:
        findings.append(MORE_ERRORS)
    elif difference.high < 0 and difference.estimate <= -query.error_margin:
        findings.append(FEWER_ERRORS)
    return Comparison(ratio, difference, tuple(findings))
