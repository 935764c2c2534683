"""The `ff-otel` console command: `--version`, `--help`, and `impact` over stored traces.

`impact` lives in its own package (`ff_otel_impact`) and is imported only when it runs, so the core never loads
it; its engines come with the `impact` extra.
"""

from __future__ import annotations

import argparse
import sys

from ff_otel._version import __version__


def _parser() -> argparse.ArgumentParser:
    from ff_otel_impact._cli import DESCRIPTION, add_arguments

    parser = argparse.ArgumentParser(
        prog="ff-otel", description="ff-otel: OpenFeature flag evaluations as OpenTelemetry telemetry"
    )
    parser.add_argument("--version", action="version", version=f"ff-otel {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    impact = commands.add_parser(
        "impact",
        help="per-variant latency and errors of each flag, from stored traces (files or ClickHouse)",
        description=DESCRIPTION,
    )
    add_arguments(impact)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (default: the process's); returns the exit code."""
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.command != "impact":
        parser.print_help()
        return 2
    from ff_otel_impact._cli import run

    return run(arguments)


if __name__ == "__main__":
    sys.exit(main())
