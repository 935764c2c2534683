"""What an engine hands back: one row of aggregates per flag and variant, never a raw span."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class VariantAggregate:
    """The requests of one flag's variant, summed up by the engine."""

    flag: str
    variant: str
    requests: int
    errors: int
    p50_ns: float
    p90_ns: float
    p99_ns: float
    log_mean: float
    """Mean of ln(duration in ns)."""
    log_variance: float
    """Sample variance of ln(duration in ns); 0 for a single request."""
    histogram: Mapping[int, int]
    """Request counts by duration bin: bin b holds durations in [10^(b/10), 10^((b+1)/10)) ns."""

    @classmethod
    def from_row(cls, row: Sequence[object]) -> VariantAggregate:
        """Build from an engine row: flag, variant, requests, errors, [p50, p90, p99], log mean, log variance, bins.

        Both engines' drivers give numbers as ints, floats, Decimals or strings, and maps as dicts or pairs of
        lists: all normalised here, so that the two engines' reports compare equal.
        """
        flag, variant, requests, errors, quantiles, log_mean, log_variance, bins = row
        p50, p90, p99 = (_number(value) for value in _sequence(quantiles))
        variance = _number(log_variance)
        return cls(
            flag=str(flag),
            variant=str(variant),
            requests=int(_number(requests)),
            errors=int(_number(errors)),
            p50_ns=p50,
            p90_ns=p90,
            p99_ns=p99,
            log_mean=_number(log_mean),
            log_variance=0.0 if math.isnan(variance) else variance,
            histogram=_histogram(bins),
        )


def _number(value: object) -> float:
    if value is None:
        return math.nan
    return float(value)  # type: ignore[arg-type]  # whatever number type the driver gave


def _sequence(value: object) -> Sequence[object]:
    if isinstance(value, str):  # a driver that hands arrays over as text
        import json

        value = json.loads(value)
    assert isinstance(value, Sequence)
    return value


def _histogram(value: object) -> dict[int, int]:
    if isinstance(value, Mapping):
        if set(value) == {"key", "value"}:  # DuckDB's older MAP shape
            return _pairs(value["key"], value["value"])
        return {int(_number(key)): int(_number(count)) for key, count in value.items()}
    keys, counts = _sequence(value)
    return _pairs(keys, counts)


def _pairs(keys: object, counts: object) -> dict[int, int]:
    return {
        int(_number(key)): int(_number(count)) for key, count in zip(_sequence(keys), _sequence(counts), strict=True)
    }
