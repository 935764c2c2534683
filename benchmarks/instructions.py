"""The benchmark cases counted in instructions (valgrind's callgrind), which a busy machine cannot disturb.

Each case runs in a process of its own under callgrind, set up and warmed up uncounted; only the measured batches
are counted (callgrind collects inside `builtins.sum`, which drives them and nothing else). Ratios are to the
baseline case counted the same way.

Usage (from the checkout; needs valgrind)::

    .venv/bin/python -m benchmarks.instructions              # per evaluation and per request, about 20 minutes
    .venv/bin/python -m benchmarks.instructions --requests   # per request only
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCHES = 50


def _child(kind: str, framework_or_setting: str, name: str, path: str) -> None:
    """Set the case up, warm it, then run `BATCHES` batches inside one `sum()` call: the counted part."""
    import ff_otel

    if kind == "request":
        from benchmarks import _request_cases

        ff_otel.uninstall()
        case = _request_cases.case(framework_or_setting, name, 1, path)
    else:
        from openfeature import api

        from benchmarks import _evaluation_cases as evaluation

        api.set_provider_and_wait(evaluation.PROVIDERS["InMemoryProvider"]())
        case = evaluation.case(evaluation.SET_UPS[name], framework_or_setting, 1)
    with case() as batch:
        for _ in range(20):
            batch()
        sum(batch() for _ in range(BATCHES))


def count(kind: str, framework_or_setting: str, name: str, path: str = "") -> int:
    """The instructions one case's counted batches take."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--collect-atstart=no",
            "--toggle-collect=builtin_sum",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            kind,
            framework_or_setting,
            name,
            path,
        ]
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=os.environ)
        found = re.search(r"Collected : (\d+)", result.stderr)
        if found is None:
            raise RuntimeError(f"callgrind reported no count for {name}: {result.stderr[-500:]}")
        return int(found.group(1))


def _ratios(jobs: dict[str, tuple[str, str, str, str]], baseline: str) -> dict[str, float]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: count(*job), jobs.values()), strict=True))
    return {name: counts[name] / counts[baseline] for name in jobs}


def per_request() -> str:
    from benchmarks import _requests as requests
    from benchmarks._request_cases import NO_FLAGS_PATH, SENDERS

    lines = ["| 1.00 = instrumentation alone | " + " | ".join(SENDERS) + " |", "|---|" + "---|" * len(SENDERS)]
    rows: dict[str, list[str]] = {}
    for framework in SENDERS:
        names = (requests.OFFICIAL, requests.HOOK_ONLY, requests.FF_OTEL)
        with_flags = _ratios({n: ("request", framework, n, requests.PATH) for n in names}, requests.OFFICIAL)
        empty_names = (requests.OFFICIAL, requests.HOOK_POINTS, requests.FF_OTEL)
        empty = _ratios({n: ("request", framework, n, NO_FLAGS_PATH) for n in empty_names}, requests.OFFICIAL)
        for name in names[1:]:
            rows.setdefault(name, []).append(f"{with_flags[name]:.2f}")
        for name in empty_names[1:]:
            rows.setdefault(f"{name}, endpoint that evaluates no flag", []).append(f"{empty[name]:.2f}")
    lines += [f"| {name} | " + " | ".join(values) + " |" for name, values in rows.items()]
    return "\n".join(lines)


def per_evaluation() -> str:
    from benchmarks import _evaluation_cases as evaluation

    names = (evaluation.BARE, evaluation.DO_NOTHING_HOOK, evaluation.DEFAULT, evaluation.WITH_METRICS)
    columns = {
        setting: _ratios({n: ("evaluation", setting, n, "") for n in names}, evaluation.BARE)
        for setting in evaluation.SETTINGS
    }
    lines = ["| 1.00 = bare evaluation | " + " | ".join(evaluation.SETTINGS) + " |", "|---|---|---|---|"]
    lines += [
        f"| {name} | " + " | ".join(f"{columns[s][name]:.2f}" for s in evaluation.SETTINGS) + " |" for name in names
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "--child":
        _child(*arguments[1:5])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__.splitlines()[0])
    parser.add_argument("--requests", action="store_true", help="per request only")
    parsed = parser.parse_args(arguments)
    if not parsed.requests:
        print("Per flag evaluation, InMemoryProvider, in instructions:\n\n" + per_evaluation() + "\n", flush=True)
    print("Per request (5 flags, anonymous), in instructions:\n\n" + per_request(), flush=True)


if __name__ == "__main__":
    main()
