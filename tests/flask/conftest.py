from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.instrumentation.flask import FlaskInstrumentor


@pytest.fixture
def instrumentor() -> Iterator[FlaskInstrumentor]:
    """FlaskInstrumentor, process-global once `instrument()` is called: always undone after the test."""
    instrumentor = FlaskInstrumentor()
    yield instrumentor
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
