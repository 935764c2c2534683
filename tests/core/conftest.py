"""Fixtures of the core tests."""

from __future__ import annotations

import pytest

from ff_otel import _client_wrapper


@pytest.fixture
def hook_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the installed OpenFeature SDK look like a release the client wrapper does not know."""
    monkeypatch.setattr(_client_wrapper, "KNOWN_SDK_SERIES", ("99.",))
