"""The progress bar: drawn on a terminal, never into a pipe or a file."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from ff_otel_impact._progress import progress_for
from tests.impact.scenario import shop_traffic
from tests.impact.traces import write_lines


def test_no_bar_when_stderr_is_not_a_terminal() -> None:
    assert progress_for(1000, io.StringIO()) is None


def test_the_command_draws_a_bar_on_a_terminal(tmp_path: Path) -> None:
    traces = write_lines(tmp_path / "traces.json", shop_traffic().spans())  # type: ignore[arg-type]
    primary, secondary = os.openpty()
    try:
        result = subprocess.run(
            [str(Path(sys.executable).parent / "ff-otel"), "impact", str(traces)],
            stdout=subprocess.PIPE, stderr=secondary, timeout=120, check=False,
        )  # fmt: skip
        os.close(secondary)
        drawn = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is closed and everything was read
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(primary)
    assert result.returncode == 0
    assert b"\rreading traces [" in drawn
    assert b"100%" in drawn
    assert drawn.endswith(b"\r\x1b[K")  # the bar's line is cleared at the end
    assert b"reading traces" not in result.stdout
