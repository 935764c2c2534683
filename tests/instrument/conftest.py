"""The instrumentor, turned off again after each test, with no ff-otel variables from the outer environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ff_otel_instrument import PREFIX, FeatureFlagInstrumentor


@pytest.fixture
def instrumentor(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeatureFlagInstrumentor]:
    for name in list(os.environ):
        if name.startswith(PREFIX):
            monkeypatch.delenv(name)
    instrumentor = FeatureFlagInstrumentor()
    yield instrumentor
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
