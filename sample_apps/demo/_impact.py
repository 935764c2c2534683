"""The demo's last part: `ff-otel impact` over the traces its own visit exported."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

HEADING = "Flag impact of this visit (ff-otel impact over the exported traces)"


def impact_report(raw: dict[str, list[dict[str, Any]]]) -> str:
    """The impact table for the exported records `raw` (OTLP/JSON), or a line saying what to install for it."""
    try:
        import duckdb  # noqa: F401 - only to know whether the impact extra is there

        from ff_otel_impact import ImpactQuery, analyze_files, render_table
    except ImportError:
        return f'{HEADING}: install "ff-otel[impact]" to see it\n'
    with tempfile.TemporaryDirectory(prefix="ff-otel-demo-") as folder:
        # Written as the Collector's file exporter would: one export request per line, traces and logs.
        path = Path(folder) / "visit.json"
        lines = [json.dumps({"resourceSpans": [entry]}) for entry in raw.get("resourceSpans", [])]
        lines += [json.dumps({"resourceLogs": [entry]}) for entry in raw.get("resourceLogs", [])]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        report = analyze_files([str(path)], ImpactQuery())
    return f"{HEADING}\n\n{render_table(report)}"
