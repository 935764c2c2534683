"""The command line every sample app takes."""

from __future__ import annotations

import argparse
import signal


def parse_server_arguments(description: str, argv: list[str] | None, default_port: int) -> argparse.Namespace:
    """`--host` (127.0.0.1 unless told otherwise) and `--port`; Ctrl-C (SIGINT) stops the server."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=default_port, help="port to listen on (default: %(default)s)")
    arguments = parser.parse_args(argv)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started from a shell's background job, which ignores SIGINT: the demo stops its apps with SIGINT, so
        # they flush their telemetry on the way out.
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return arguments
