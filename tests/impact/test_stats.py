"""The interval methods against published worked examples."""

from __future__ import annotations

import math

import pytest

from ff_otel_impact._stats import geometric_mean_ratio, newcombe, wilson


@pytest.mark.parametrize(
    ("errors", "requests", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, table II: Wilson score intervals.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table(errors: int, requests: int, low: float, high: float) -> None:
    interval = wilson(errors, requests)
    assert interval.estimate == errors / requests
    assert interval.low == pytest.approx(low, abs=5e-5)
    assert interval.high == pytest.approx(high, abs=5e-5)


@pytest.mark.parametrize(
    ("first", "second", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10.
        ((56, 70), (48, 80), 0.0524, 0.3339),
        ((9, 10), (3, 10), 0.1705, 0.8090),
        ((6, 7), (2, 7), 0.0582, 0.8062),
        ((5, 56), (0, 29), -0.0381, 0.1926),
    ],
)
def test_newcombe_matches_his_worked_examples(
    first: tuple[int, int], second: tuple[int, int], low: float, high: float
) -> None:
    interval = newcombe(wilson(*first), wilson(*second))
    assert interval.estimate == pytest.approx(first[0] / first[1] - second[0] / second[1])
    assert interval.low == pytest.approx(low, abs=5e-4)
    assert interval.high == pytest.approx(high, abs=5e-4)


def test_geometric_mean_ratio_is_the_log_normal_interval() -> None:
    # Two groups of 100 with log-durations of variance 0.25 whose means differ by ln 2.
    interval = geometric_mean_ratio(math.log(2e6), 0.25, 100, math.log(1e6), 0.25, 100)
    assert interval is not None
    half_width = 1.959963984540054 * math.sqrt(0.25 / 100 * 2)
    assert interval.estimate == pytest.approx(2.0)
    assert interval.low == pytest.approx(2.0 * math.exp(-half_width))
    assert interval.high == pytest.approx(2.0 * math.exp(half_width))
    assert geometric_mean_ratio(0.0, 0.0, 1, 0.0, 0.0, 50) is None


def test_an_empty_variant_has_no_rate() -> None:
    assert all(math.isnan(value) for value in wilson(0, 0))
