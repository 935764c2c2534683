"""`ff-otel impact` reads files with DuckDB 2, which needs Python 3.11 or newer; without it, the tests of its
statistics and of the live impact histogram still run."""

from __future__ import annotations

import importlib.util

_NEED_DUCKDB = [
    "test_cli.py",
    "test_engines.py",
    "test_log_records.py",
    "test_progress.py",
    "test_real_traces.py",
    "test_robustness.py",
]

collect_ignore = [] if importlib.util.find_spec("duckdb") is not None else _NEED_DUCKDB
