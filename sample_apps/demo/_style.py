"""Colour for the demo's report when the terminal takes it, plain text otherwise."""

from __future__ import annotations

import os
from typing import IO

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def wants_colour(choice: str, stream: IO[str]) -> bool:
    """`choice` is always, never or auto; auto follows NO_COLOR, FORCE_COLOR, TERM=dumb and whether `stream` is a
    terminal."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and stream.isatty()


class Style:
    """Wraps text in ANSI colours, or leaves it alone when colour is off.

    Usage: ``style = Style(True); print(style("error", "red", "bold"))``
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        if not self.enabled or not names or not text:
            return text
        codes = ";".join(_CODES[name] for name in names)
        return f"\x1b[{codes}m{text}\x1b[0m"
