"""The environment the test sets for an app process, read in one place."""

from __future__ import annotations

import os
from pathlib import Path

FLAG_FILE_ENV = "E2E_FLAG_FILE"
"""Path of the flagd flag file the app reads (offline file mode)."""
FAULTS_DIR_ENV = "E2E_FAULTS_DIR"
"""Directory in which the test creates one empty file per fault it switches on."""
FLAG_EVENTS_DIR_ENV = "E2E_FLAG_EVENTS_DIR"
"""Directory in which each app process counts the flag-source events its flagd provider emitted (one file per pid)."""
SECRET_KEY_ENV = "E2E_SECRET_KEY"
"""The app's secret key (sessions, and ff-otel's pseudonymous session ids)."""


def flag_file() -> str:
    return os.environ[FLAG_FILE_ENV]


def flag_events_dir() -> Path:
    return Path(os.environ[FLAG_EVENTS_DIR_ENV])


def secret_key() -> str:
    return os.environ[SECRET_KEY_ENV]


def fault_active(name: str) -> bool:
    """True while the test has switched on the fault `name` (one stat call: cheap enough per request)."""
    directory = os.environ.get(FAULTS_DIR_ENV)
    return directory is not None and (Path(directory) / name).exists()
