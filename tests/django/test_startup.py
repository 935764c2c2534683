"""With "ff_otel_django" in INSTALLED_APPS, evaluations outside requests are recorded from start-up on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_evaluations_in_a_later_apps_ready_and_in_a_management_command_are_one_log_record_each() -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "OTEL_"))}
    result = subprocess.run(
        [sys.executable, "-m", "django", "evaluate_flags", "--settings=tests.django.startup_site.settings"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr

    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["event_name"], r["feature_flag.key"], r["feature_flag.result.variant"]) for r in records] == [
        ("feature_flag.evaluation", "startup-flag", "on"),
        ("feature_flag.evaluation", "command-flag", "off"),
    ]
