"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

_WIDTH = 30


class Progress:
    """Shows how much of `total` bytes has been read; `update()` as reading goes, `close()` at the end."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.stream = sys.stderr if stream is None else stream
        self._started = time.monotonic()
        self._shown = -1

    def update(self, done: float) -> None:
        """Redraw for `done` bytes read (at most once per percent)."""
        fraction = min(max(done / self.total, 0.0), 1.0)
        percent = int(fraction * 100)
        if percent == self._shown:
            return
        self._shown = percent
        filled = int(fraction * _WIDTH)
        elapsed = time.monotonic() - self._started
        bar = "#" * filled + "-" * (_WIDTH - filled)
        self.stream.write(f"\rreading traces [{bar}] {percent:3d}%  {_megabytes(done)} MB  {elapsed:.0f} s")
        self.stream.flush()

    def close(self) -> None:
        """Clear the bar's line."""
        if self._shown >= 0:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def progress_for(total: int, stream: TextIO | None = None) -> Progress | None:
    """A progress bar when `stream` (stderr by default) is a terminal, else None."""
    target = sys.stderr if stream is None else stream
    return Progress(total, target) if target.isatty() else None


def _megabytes(count: float) -> str:
    return f"{count / 1_000_000:,.0f}"
