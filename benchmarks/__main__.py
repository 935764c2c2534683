"""Run every benchmark, interleaved, and write the tables of the README's "Performance" section.

Usage (from the checkout)::

    .venv/bin/python -m benchmarks            # about 7 minutes on 2 cores; prints and writes the tables
    .venv/bin/python -m benchmarks --quick --no-readme   # one process, fewer rounds; RESULTS.md only

The tables go to `benchmarks/RESULTS.md` and, between its markers, into README.md. In each of a few processes,
one after the other, every figure is the median of per-round ratios to the row named as the baseline, measured in
alternating rounds; the table shows the median of those figures over the processes. A process's memory layout
(its hash seed, where its objects land) moves all of its figures a few points together: several processes even
that out, as rounds even out the machine's moments.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from openfeature import api

from benchmarks import _evaluation_cases as evaluation
from benchmarks import _requests as requests
from benchmarks._interleave import Case, ratios

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
README = ROOT / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"

EVALUATION_ROWS = (
    evaluation.DO_NOTHING_HOOK,
    evaluation.TRACING_HOOK,
    evaluation.DEFAULT,
    evaluation.WITH_METRICS,
    evaluation.NO_METRICS,
    evaluation.WITH_HISTOGRAM,
    evaluation.HOOK_FALLBACK,
)
REQUEST_ROWS = (
    requests.NO_OTEL,
    requests.TRACING_HOOK,
    requests.HOOK_ONLY,
    requests.FF_OTEL,
    requests.FF_OTEL_METRICS,
    requests.FF_OTEL_NO_METRICS,
    requests.ADAPTER_ALONE,
)


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def per_evaluation(provider: str, rounds: int, spans: int) -> str:
    """The per-evaluation table for one provider: a column per setting, a row per case."""
    columns: dict[str, dict[str, float]] = {}
    api.set_provider_and_wait(evaluation.PROVIDERS[provider]())
    try:
        for setting in evaluation.SETTINGS:
            _progress(f"per evaluation, {provider}, {setting}")
            cases: dict[str, Case] = {
                name: evaluation.case(set_up, setting, spans) for name, set_up in evaluation.SET_UPS.items()
            }
            columns[setting] = ratios(cases, evaluation.BARE, rounds=rounds)
    finally:
        api.shutdown()
        api.clear_providers()
    rows = [[name] + [f"{columns[s][name]:.2f}" for s in evaluation.SETTINGS] for name in EVALUATION_ROWS]
    return _table([f"{provider}: 1.00 = {evaluation.BARE}", *evaluation.SETTINGS], rows)


def per_signal(rounds: int) -> str:
    """The per-evaluation table by signal (how ff-otel records), InMemoryProvider, metrics off."""
    from benchmarks import _signal_cases as signals

    columns: dict[str, dict[str, float]] = {}
    api.set_provider_and_wait(evaluation.PROVIDERS["InMemoryProvider"]())
    try:
        for setting in signals.SETTINGS:
            _progress(f"per evaluation by signal, {setting}")
            cases: dict[str, Case] = {mode: signals.case(mode, setting) for mode in signals.MODES}
            columns[setting] = ratios(cases, signals.BARE, rounds=rounds)
    finally:
        api.shutdown()
        api.clear_providers()
    rows = [[mode] + [f"{columns[s][mode]:.2f}" for s in signals.SETTINGS] for mode in list(signals.MODES)[1:]]
    return _table([f"metrics off: 1.00 = {signals.BARE}", *signals.SETTINGS], rows)


def per_request(rounds: int, count: int) -> str:
    """The per-request table: a column per framework, against the request with the official instrumentation."""
    from benchmarks import _request_cases as cases_of

    columns: dict[str, dict[str, float]] = {}
    no_flags: dict[str, dict[str, float]] = {}
    for framework in cases_of.SENDERS:
        _progress(f"per request, {framework}")
        cases = {name: cases_of.case(framework, name, count) for name in (requests.OFFICIAL, *REQUEST_ROWS)}
        columns[framework] = ratios(cases, requests.OFFICIAL, rounds=rounds)
        _progress(f"per request, {framework}, endpoint with no flag")
        empty = {
            name: cases_of.case(framework, name, count, cases_of.NO_FLAGS_PATH)
            for name in (requests.OFFICIAL, requests.HOOK_POINTS, requests.FF_OTEL)
        }
        no_flags[framework] = ratios(empty, requests.OFFICIAL, rounds=rounds)
    frameworks = list(cases_of.SENDERS)
    rows = [[name] + [f"{columns[f][name]:.2f}" for f in frameworks] for name in REQUEST_ROWS]
    for name in (requests.HOOK_POINTS, requests.FF_OTEL):
        rows.append([f"{name}, endpoint that evaluates no flag"] + [f"{no_flags[f][name]:.2f}" for f in frameworks])
    _progress("per request, Django, logged-in user")
    logged_in = {
        name: cases_of.case("Django", name, count, logged_in=True)
        for name in (requests.OFFICIAL, requests.FF_OTEL, requests.NO_OTEL)
    }
    django_user = ratios(logged_in, requests.OFFICIAL, rounds=rounds)
    for name in (requests.NO_OTEL, requests.FF_OTEL):
        rows.append([f"{name}, logged-in user, view never reads `request.user`", f"{django_user[name]:.2f}", "", ""])
    return _table([f"1.00 = {requests.OFFICIAL} alone", *frameworks], rows)


def _versions() -> str:
    names = ("openfeature-sdk", "opentelemetry-sdk", "django", "flask", "fastapi")
    found = ", ".join(f"{name} {metadata.version(name)}" for name in names)
    return f"Python {platform.python_version()}, {found}"


def median_table(tables: list[str]) -> str:
    """Tables of one shape, cell by cell: the median of the figures, any other cell as the first table has it."""
    merged: list[str] = []
    for lines in zip(*(table.splitlines() for table in tables), strict=True):
        cells = [line.split(" | ") for line in lines]
        if len({len(row) for row in cells}) != 1:
            raise ValueError("the processes' tables differ in shape")
        row = []
        for column in zip(*cells, strict=True):
            figures = [_figure(cell) for cell in column]
            if all(figure is not None for figure in figures):
                trailing = " |" if column[0].endswith(" |") else ""
                row.append(f"{statistics.median(f for f in figures if f is not None):.2f}{trailing}")
            else:
                row.append(column[0])
        merged.append(" | ".join(row))
    return "\n".join(merged)


def _figure(cell: str) -> float | None:
    try:
        return float(cell.removesuffix(" |"))
    except ValueError:
        return None


def _tables(rounds: int, spans: int, count: int) -> list[tuple[str, str]]:
    """Every section's title and table, measured in this process."""
    sections: list[tuple[str, Callable[[], str]]] = [
        (
            "Per flag evaluation, OpenFeature `InMemoryProvider`",
            lambda: per_evaluation("InMemoryProvider", rounds, spans),
        ),
        ("Per flag evaluation, flagd (in-process file resolver)", lambda: per_evaluation("flagd", rounds, spans)),
        (
            "Per flag evaluation by signal, `InMemoryProvider`, SDK batch processors exporting nowhere",
            lambda: per_signal(rounds),
        ),
        ("Per request (5 flags, anonymous visitor unless said, in-process)", lambda: per_request(rounds, count)),
    ]
    return [(title, run()) for title, run in sections]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one process, fewer rounds, one request per batch")
    parser.add_argument("--no-readme", action="store_true", help="write benchmarks/RESULTS.md only")
    parser.add_argument("--processes", type=int, default=4, help="processes whose figures are taken the median of")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    # Short batches, best of several per round: on a busy machine some of them run undisturbed.
    rounds, spans, count = (5, 1, 1) if arguments.quick else (9, 1, 2)
    processes = 1 if arguments.quick else max(arguments.processes, 1)
    if arguments.child:
        for title, table in _tables(rounds, spans, count):
            print(f"{title}\n{table}\n", flush=True)
        return
    if processes == 1:
        sections = _tables(rounds, spans, count)
    else:
        measured = [_child_tables(number, processes) for number in range(processes)]
        sections = [
            (titles[0], median_table(list(tables)))
            for titles, tables in (zip(*section, strict=True) for section in zip(*measured, strict=True))
        ]
    medians = f"medians of {rounds} interleaved rounds" + (
        f", then over {processes} processes" if processes > 1 else ""
    )
    parts = [f"Measured with `python -m benchmarks` ({_versions()}; {medians})."]
    for title, table in sections:
        print(f"\n{title}\n\n{table}", flush=True)
        parts.append(f"{title}:\n\n{table}")
    text = "\n\n".join(parts) + "\n"
    RESULTS.write_text(text)
    if not arguments.no_readme:
        readme = README.read_text()
        if START in readme and END in readme:
            pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
            README.write_text(pattern.sub(lambda _: f"{START}\n{text}{END}", readme))


def _child_tables(number: int, processes: int) -> list[tuple[str, str]]:
    """The sections one child process measures (the machine's two cores are never shared by two of them)."""
    _progress(f"process {number + 1} of {processes}")
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--child"], cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    sections = []
    for block in output.strip().split("\n\n"):
        title, _, table = block.partition("\n")
        sections.append((title, table))
    return sections


if __name__ == "__main__":
    main()
