"""The benchmark cases counted in Python bytecodes executed (`sys.settrace` opcode events), in a few seconds.

Like the instruction counts, these do not move with the machine's load. They are what the wall-clock ratios of a
sampled span follow most closely: ff-otel's own work is short Python steps, where a bare evaluation also spends
its time in C (dict and object building), which costs instructions but no bytecodes.

Usage (from the checkout)::

    .venv/bin/python -m benchmarks.bytecodes
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

SPANS = 5
"""Spans per counted per-evaluation batch, of `_evaluation_cases.PER_SPAN` evaluations each."""
REQUESTS = 5
"""Requests per counted per-request batch."""


def _counted(batch: Callable[[], object]) -> int:
    """The bytecodes one call of `batch` executes (in Python frames it starts)."""
    executed = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal executed
        frame.f_trace_opcodes = True
        if event == "opcode":
            executed += 1
        return trace

    sys.settrace(trace)
    try:
        batch()
    finally:
        sys.settrace(None)
    return executed


def per_evaluation() -> str:
    """The per-evaluation table: InMemoryProvider, 1.00 = a bare evaluation."""
    from openfeature import api

    from benchmarks import _evaluation_cases as evaluation

    api.set_provider_and_wait(evaluation.PROVIDERS["InMemoryProvider"]())
    names = (evaluation.BARE, evaluation.DO_NOTHING_HOOK, evaluation.DEFAULT, evaluation.WITH_METRICS)
    counts: dict[tuple[str, str], int] = {}
    for setting in evaluation.SETTINGS:
        for name in names:
            with evaluation.case(evaluation.SET_UPS[name], setting, SPANS)() as batch:
                batch()  # warm: first-use work is not counted
                counts[name, setting] = _counted(batch)
    lines = ["| 1.00 = bare evaluation | " + " | ".join(evaluation.SETTINGS) + " |", "|---|---|---|---|"]
    for name in names:
        ratios = (counts[name, setting] / counts[evaluation.BARE, setting] for setting in evaluation.SETTINGS)
        lines.append(f"| {name} | " + " | ".join(f"{ratio:.2f}" for ratio in ratios) + " |")
    return "\n".join(lines)


def per_request() -> str:
    """The per-request table: 5 flags, anonymous, 1.00 = the request with OpenTelemetry's instrumentation only."""
    import ff_otel
    from benchmarks import _requests as requests
    from benchmarks._request_cases import NO_FLAGS_PATH, SENDERS, case

    cells = [
        (requests.HOOK_ONLY, requests.PATH, requests.HOOK_ONLY),
        (requests.FF_OTEL, requests.PATH, requests.FF_OTEL),
        (requests.HOOK_POINTS, NO_FLAGS_PATH, f"{requests.HOOK_POINTS}, endpoint that evaluates no flag"),
        (requests.FF_OTEL, NO_FLAGS_PATH, f"{requests.FF_OTEL}, endpoint that evaluates no flag"),
    ]
    rows: dict[str, list[str]] = {}
    for framework in SENDERS:
        counts: dict[tuple[str, str], int] = {}
        baselines = [(requests.OFFICIAL, requests.PATH), (requests.OFFICIAL, NO_FLAGS_PATH)]
        for name, path in [*baselines, *(cell[:2] for cell in cells)]:
            ff_otel.uninstall()
            with case(framework, name, REQUESTS, path)() as batch:
                batch()
                counts[name, path] = _counted(batch)
        for name, path, row in cells:
            rows.setdefault(row, []).append(f"{counts[name, path] / counts[requests.OFFICIAL, path]:.2f}")
    lines = ["| 1.00 = instrumentation alone | " + " | ".join(SENDERS) + " |", "|---|" + "---|" * len(SENDERS)]
    lines += [f"| {row} | " + " | ".join(values) + " |" for row, values in rows.items()]
    return "\n".join(lines)


def main() -> None:
    print("Per flag evaluation, InMemoryProvider, in Python bytecodes:\n\n" + per_evaluation() + "\n", flush=True)
    print("Per request (5 flags, anonymous), in Python bytecodes:\n\n" + per_request(), flush=True)


if __name__ == "__main__":
    main()
