"""The command line every sample app takes."""

from __future__ import annotations

import argparse


def parse_server_arguments(description: str, argv: list[str] | None, default_port: int) -> argparse.Namespace:
    """`--host` (127.0.0.1 unless told otherwise) and `--port`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=default_port, help="port to listen on (default: %(default)s)")
    return parser.parse_args(argv)
