"""The demo, `python -m sample_apps.demo`, run for real."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import subprocess
import sys

import pytest

from sample_apps.demo import main
from sample_apps.demo._app_process import PROJECT_ROOT
from sample_apps.demo._style import wants_colour

pytestmark = pytest.mark.slow


def test_the_demo_prints_each_request_with_its_flags_then_the_log_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--color", "never"]) == 0
    output = capsys.readouterr().out
    assert "the FastAPI sample app at http://127.0.0.1:" in output
    assert "\x1b[" not in output
    requests, _, rest = output.partition("Outside requests")
    # Every request of the script, in order, each with its span.
    lines = [line for line in requests.splitlines() if line[:3].strip().rstrip(".").isdigit()]
    assert [line.split()[1:4] for line in lines][:4] == [
        ["anonymous", "visitor", "GET"],
        ["anonymous", "visitor", "GET"],
        ["ada@example.com", "GET", "/login"],
        ["ada@example.com", "POST", "/login"],
    ]
    assert len(lines) == 11
    assert requests.count("server span") == 11
    assert "error: flag_not_found" in requests
    assert requests.count("new-checkout") == 4
    assert "cache-ttl-seconds" not in requests
    assert "cache-ttl-seconds" in rest
    assert "job:warm-up" in rest
    assert "11 requests, 23 flag events on spans, 1 log record" in rest
    # The impact flag's per-variant counts: each request that evaluated it, once.
    impact = rest.partition("Flag impact")[2]
    counted = re.findall(r"new-checkout\s+(on|off)\s+(\d+) requests?, mean +[\d.]+ ms", impact)
    assert {variant for variant, _ in counted} == {"on", "off"}
    assert sum(int(count) for _, count in counted) == requests.count("new-checkout")
    # It ends with `ff-otel impact` over the traces the visit exported: every flag with its variants (DuckDB 2,
    # which reads them, needs Python 3.11 or newer).
    report = output.partition("Flag impact of this visit")[2]
    if importlib.util.find_spec("duckdb") is None:
        assert 'install "ff-otel[impact]"' in report
    else:
        assert "new-checkout" in report
        assert "banner-color" in report


def test_json_prints_the_raw_otlp_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--framework", "flask", "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    spans = [span for group in exported["resourceSpans"] for scope in group["scopeSpans"] for span in scope["spans"]]
    records = [log for group in exported["resourceLogs"] for scope in group["scopeLogs"] for log in scope["logRecords"]]
    assert len(spans) == 11
    events = [event["name"] for span in spans for event in span.get("events", [])]
    assert events.count("feature_flag.evaluation") == 23
    assert events.count("exception") == 1  # flagd raises for the flag nobody defined
    assert [record["eventName"] for record in records] == ["feature_flag.evaluation"]


def test_the_module_runs_from_the_checkout_in_its_own_process_with_colour() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "sample_apps.demo", "--framework", "django", "--color", "always"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    assert "the Django sample app at" in finished.stdout
    assert "\x1b[" in finished.stdout


def test_help_names_the_module_and_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert "python -m sample_apps.demo" in output
    assert "--framework" in output


@pytest.mark.parametrize(
    ("choice", "environment", "tty", "expected"),
    [
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
    ],
)
def test_colour_follows_the_terminal_and_the_usual_variables(
    monkeypatch: pytest.MonkeyPatch, choice: str, environment: dict[str, str], tty: bool, expected: bool
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

    assert wants_colour(choice, Stream()) is expected
