"""The core never imports a web framework."""

from __future__ import annotations

import json
import subprocess
import sys

FRAMEWORKS = ("django", "flask", "werkzeug", "fastapi", "starlette", "opentelemetry.instrumentation")


def test_importing_and_installing_the_core_loads_no_framework() -> None:
    script = (
        "import json, sys, ff_otel; ff_otel.install(); "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r} "
        "or m.startswith('opentelemetry.instrumentation'))))"
    )
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    assert json.loads(output) == []
