"""Evaluations before the first request, when Starlette has not built its middleware stack yet, are recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _records_of(script: str) -> list[dict[str, Any]]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_an_evaluation_at_module_level_after_add_middleware_is_one_log_record() -> None:
    records = _records_of("import tests.asgi.startup_app as app; app.print_records()")

    assert [(r["event_name"], r["feature_flag.key"], r["feature_flag.result.variant"]) for r in records] == [
        ("feature_flag.evaluation", "startup-flag", "on")
    ]


def test_importing_the_adapter_keeps_the_options_of_an_earlier_install() -> None:
    records = _records_of(
        "import ff_otel; ff_otel.install(semconv='legacy'); import tests.asgi.startup_app as app; app.print_records()"
    )

    assert [(r["event_name"], r["feature_flag.key"], r["feature_flag.variant"]) for r in records] == [
        ("feature_flag", "startup-flag", "on")
    ]
