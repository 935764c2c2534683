"""The `ff-otel` console command, run as a user runs it: the installed entry point, in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ff_otel import __version__
from tests.impact.scenario import shop_traffic
from tests.impact.traces import write_lines

COMMAND = Path(sys.executable).parent / "ff-otel"


def _run(*arguments: str, python: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [str(COMMAND), *arguments] if python is None else [sys.executable, "-c", python, *arguments]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_lines(tmp_path_factory.mktemp("cli") / "traces.json", shop_traffic().spans())  # type: ignore[arg-type]


def test_version_and_help() -> None:
    version = _run("--version")
    assert (version.returncode, version.stdout.strip()) == (0, f"ff-otel {__version__}")
    overview = _run("--help")
    assert overview.returncode == 0
    assert "impact" in overview.stdout
    assert "demo" not in overview.stdout
    impact = _run("impact", "--help")
    assert impact.returncode == 0
    for option in ("--clickhouse", "--flag", "--service", "--route", "--since", "--until", "--baseline", "--json",
                   "--plot"):  # fmt: skip
        assert option in impact.stdout


def test_the_table_names_the_slow_failing_variant(trace_file: Path) -> None:
    result = _run("impact", str(trace_file))

    assert result.returncode == 0, result.stderr
    rows = {
        line.split()[0]: line for line in result.stdout.splitlines() if line.startswith(("on ", "off ", "red", "blue"))
    }
    assert rows["on"].endswith("slower, more errors")
    assert rows["off"].endswith("baseline")
    assert "no difference found at this sample size" in rows["red"] + rows["blue"]
    assert result.stderr == ""


def test_json_and_plot(trace_file: Path, tmp_path: Path) -> None:
    picture = tmp_path / "impact.png"
    result = _run("impact", str(trace_file), "--flag", "new-checkout", "--json", "--plot", str(picture))

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    (flag,) = document["flags"]
    on = next(variant for variant in flag["variants"] if variant["variant"] == "on")
    assert on["findings"] == ["slower", "more errors"]
    assert on["latency_ratio"]["low"] > 1
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert f"plot written to {picture}" in result.stderr


def test_bad_arguments_say_what_is_wrong(trace_file: Path) -> None:
    nothing = _run("impact")
    assert nothing.returncode == 2
    assert "give trace files, or --clickhouse URL" in nothing.stderr
    since = _run("impact", str(trace_file), "--since", "yesterday")
    assert since.returncode == 2
    assert "--since 'yesterday' is not an ISO 8601 timestamp" in since.stderr
    table = _run("impact", "--clickhouse", "http://127.0.0.1:9/", "--table", "x; DROP TABLE y")
    assert table.returncode == 2
    assert "not a ClickHouse table name" in table.stderr


def test_without_the_extra_one_line_names_it(trace_file: Path) -> None:
    # The engines missing, as in an install without the `impact` extra.
    python = "import sys; sys.modules['duckdb'] = None; from ff_otel._cli import main; sys.exit(main(sys.argv[1:]))"
    result = _run("impact", str(trace_file), python=python)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'ff-otel impact needs duckdb, which the impact extra installs: pip install "ff-otel[impact]"'
    ]


def test_the_core_and_the_command_load_no_engine() -> None:
    python = (
        "import sys, ff_otel; core = 'ff_otel_impact' in sys.modules; import ff_otel._cli; ff_otel._cli._parser();"
        " print(core, sorted(m for m in ('duckdb', 'clickhouse_connect', 'matplotlib') if m in sys.modules))"
    )
    result = _run(python=python)
    assert (result.returncode, result.stdout.strip()) == (0, "False []")
