"""The flags the apps evaluate, through the real flagd provider reading a flag file (offline mode)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openfeature import api
from openfeature.contrib.provider.flagd import FlagdProvider
from openfeature.contrib.provider.flagd.config import ResolverType

from tests.e2e.apps.settings import flag_file

POLL_MS = 100
"""How often flagd looks at the flag file for changes."""


def configure_flags() -> None:
    """Set the flagd provider in file mode."""
    provider = FlagdProvider(resolver_type=ResolverType.FILE, offline_flag_source_path=flag_file(), deadline_ms=POLL_MS)
    api.set_provider_and_wait(provider)


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
