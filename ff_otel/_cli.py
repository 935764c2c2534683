"""The `ff-otel` console command. Its one command, `demo`, lives with the sample apps of a source checkout."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run `ff-otel demo ...`; say plainly what to do when the sample apps are not installed."""
    try:
        from sample_apps.demo import main as demo_main
    except ImportError:
        print(
            "ff-otel: the demo runs from a source checkout of ff-otel, with its sample apps:\n"
            '  python3 -m venv .venv && .venv/bin/python -m pip install -e ".[all]" --group dev'
            " && .venv/bin/ff-otel demo",
            file=sys.stderr,
        )
        return 2
    return demo_main(argv)
