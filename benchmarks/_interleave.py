"""Ratios measured in one process, case against baseline, in alternating rounds.

A shared machine speeds up and slows down while a benchmark runs. Running every case once per round, in an order
that rotates from round to round, taking the best of a few batches within the round, and the median of each
round's ratio to the baseline cancels most of it: what is left is the cost of the case itself.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager

Batch = Callable[[], float]
"""Does one batch of the measured work and returns the seconds spent on the part that counts."""

Case = Callable[[], AbstractContextManager[Batch]]
"""Sets a case up (providers, hooks, an app) for one round, yields its batch, and tears it down."""


def timed(work: Callable[[], object], repeat: int) -> Batch:
    """A batch that calls `work` `repeat` times and times all of them."""

    def batch() -> float:
        start = time.perf_counter()
        for _ in range(repeat):
            work()
        return time.perf_counter() - start

    return batch


def ratios(
    cases: Mapping[str, Case], baseline: str, *, rounds: int, warm_up: int = 1, best_of: int = 15
) -> dict[str, float]:
    """The median over `rounds` of each case's batch time divided by the baseline's in the same round.

    In each round a case's time is the best of `best_of` batches: a batch that another process interrupted is
    slower, never faster, than the work it measures.
    """
    names = list(cases)
    per_round: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(rounds + warm_up):
        shift = round_number % len(names)
        times: dict[str, float] = {}
        for name in names[shift:] + names[:shift]:
            with cases[name]() as batch:
                batch()  # warm: caches, lazy imports, first-request work
                gc.collect()  # the case starts clean: earlier cases' garbage is not collected on its time
                times[name] = min(batch() for _ in range(best_of))
        if round_number >= warm_up:
            for name in names:
                per_round[name].append(times[name] / times[baseline])
    return {name: statistics.median(values) for name, values in per_round.items()}
