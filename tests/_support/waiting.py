"""Waiting on an observable condition, never for a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")

POLL_SECONDS = 0.02
"""How often a condition is checked again: short, as the condition is cheap and the wait ends as soon as it holds."""


def wait_until(condition: Callable[[], _T | None], *, timeout: float, what: str) -> _T:
    """Check `condition()` until it returns something true, and return that; fail the test after `timeout` seconds.

    Usage: ``spans = wait_until(lambda: server_spans(telemetry) or None, timeout=10, what="the server span")``.
    `timeout` is generous on purpose: it only bounds a test that would otherwise hang, it never paces one.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(POLL_SECONDS)
