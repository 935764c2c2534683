"""Fixtures for the ASGI adapter's tests."""

from __future__ import annotations

import pytest

from ff_otel._safe import forget_reports


@pytest.fixture(autouse=True)
def _fresh_reports() -> None:
    # ff-otel logs a problem as a warning only the first time; each test here wants to see its own.
    forget_reports()
