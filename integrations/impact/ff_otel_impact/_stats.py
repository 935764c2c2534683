"""The statistics of the report, all computed from per-variant aggregates (no raw durations needed).

- Error rate: Wilson score interval.
- Difference of two error rates: Newcombe's hybrid score interval (his method 10), built from the Wilson limits.
- Latency ratio: the ratio of geometric means of the durations, with a normal-theory interval on the difference of
  mean log-durations (Welch's standard error). For log-normal latencies this is also the ratio of medians.
"""

from __future__ import annotations

import math
from typing import Final, NamedTuple

Z95: Final = 1.959963984540054
"""The standard normal quantile of 0.975: two-sided 95% intervals."""


class Interval(NamedTuple):
    """A point estimate with its 95% interval."""

    estimate: float
    low: float
    high: float


def wilson(errors: int, requests: int, z: float = Z95) -> Interval:
    """The error rate `errors / requests` with its Wilson score interval."""
    if requests <= 0:
        return Interval(math.nan, math.nan, math.nan)
    rate = errors / requests
    z2 = z * z
    scale = 1 + z2 / requests
    centre = (rate + z2 / (2 * requests)) / scale
    half = z * math.sqrt(rate * (1 - rate) / requests + z2 / (4 * requests * requests)) / scale
    return Interval(rate, max(0.0, centre - half), min(1.0, centre + half))


def newcombe(variant: Interval, baseline: Interval) -> Interval:
    """The difference `variant - baseline` of two independent rates, each given with its Wilson interval."""
    difference = variant.estimate - baseline.estimate
    below = math.hypot(variant.estimate - variant.low, baseline.high - baseline.estimate)
    above = math.hypot(variant.high - variant.estimate, baseline.estimate - baseline.low)
    return Interval(difference, difference - below, difference + above)


def geometric_mean_ratio(
    log_mean: float, log_variance: float, count: int, base_log_mean: float, base_log_variance: float, base_count: int
) -> Interval | None:
    """exp(mean log-duration of the variant - that of the baseline), with its 95% interval; None below 2 each."""
    if count < 2 or base_count < 2:
        return None
    difference = log_mean - base_log_mean
    error = math.sqrt(max(log_variance, 0.0) / count + max(base_log_variance, 0.0) / base_count)
    return Interval(math.exp(difference), math.exp(difference - Z95 * error), math.exp(difference + Z95 * error))
