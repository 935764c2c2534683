"""The flags the apps evaluate, through the real flagd provider reading a flag file (offline mode)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from typing import Any

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType
from openfeature.event import ProviderEvent

from tests.e2e.apps.settings import flag_events_dir, flag_file

POLL_MS = 100
"""How often flagd looks at the flag file for changes."""


def configure_flags() -> None:
    """Set the flagd provider in file mode, and count what it reports about the flag file."""
    provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=flag_file(), deadline_ms=POLL_MS)
    api.set_provider_and_wait(provider)
    _write_flag_events()
    api.add_handler(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, lambda _: _count_flag_event("loaded"))
    api.add_handler(ProviderEvent.PROVIDER_ERROR, lambda _: _count_flag_event("failed"))


_flag_events = {"loaded": 0, "failed": 0}
"""How often flagd loaded the flag file, and how often reading it failed, in this process."""
_flag_events_lock = threading.Lock()


def _count_flag_event(kind: str) -> None:
    """flagd read the flag file: the test waits on these counts, not on a clock."""
    with _flag_events_lock:
        _flag_events[kind] += 1
        _write_flag_events()


def _write_flag_events() -> None:
    folder = flag_events_dir()
    staged = folder / f".{os.getpid()}"
    staged.write_text(json.dumps(_flag_events))
    staged.replace(folder / str(os.getpid()))  # whole, never half-written, for the test reading it


def evaluate_at_startup() -> None:
    """One evaluation as the process starts, outside any request and span: it becomes an OTLP log record."""
    api.get_client().get_boolean_value("new-checkout", False)


def _evaluations() -> list[Callable[[], Any]]:
    client = api.get_client()
    return [
        lambda: client.get_boolean_value("new-checkout", False),
        lambda: client.get_string_value("banner-color", "#000000"),
        lambda: client.get_integer_value("max-items", 1),
        lambda: client.get_object_value("layout", {"columns": 1}),
    ]


MAX_EVALUATIONS = 4


def evaluate_flags(count: int) -> int:
    """Evaluate the first `count` flags (1 to 4); return how many evaluations were made."""
    evaluations = _evaluations()[: max(1, min(count, MAX_EVALUATIONS))]
    for evaluate in evaluations:
        evaluate()
    return len(evaluations)
