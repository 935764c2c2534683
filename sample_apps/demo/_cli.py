"""``python -m sample_apps.demo``: run a sample app, visit it, and show what ff-otel recorded."""

from __future__ import annotations

import argparse
import json
import os
import sys

from sample_apps.demo._app_process import FRAMEWORKS, SampleAppError
from sample_apps.demo._impact import impact_report
from sample_apps.demo._render import render
from sample_apps.demo._run import run_demo
from sample_apps.demo._style import Style, wants_colour


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sample_apps.demo",
        description="Start a sample app on a free port of 127.0.0.1, drive a short scripted visit (an anonymous "
        "visitor, two users logging in, a missing flag) and print each request's span with its flag events, then "
        "the log records of the evaluations made outside requests.",
    )
    parser.add_argument(
        "--framework", choices=FRAMEWORKS, default="fastapi", help="which sample app (default: fastapi)"
    )
    parser.add_argument("--json", action="store_true", help="print the raw exported OTLP records as JSON instead")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour the report (default: auto)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """The demo, run from a checkout as ``python -m sample_apps.demo``. Returns the exit code."""
    arguments = _parser().parse_args(argv)
    try:
        run = run_demo(arguments.framework)
    except SampleAppError as error:
        print(f"demo: {error}", file=sys.stderr)
        return 1
    try:
        if arguments.json:
            sys.stdout.write(json.dumps(run.raw, indent=2) + "\n")
        else:
            sys.stdout.write(render(run, Style(wants_colour(arguments.color, sys.stdout))))
            sys.stdout.write("\n" + impact_report(run.raw))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left early (`... --json | head`); keep Python from failing on the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if run.exit_code != 0:
        print(f"demo: the {arguments.framework} app exited with code {run.exit_code}", file=sys.stderr)
        return 1
    return 0
