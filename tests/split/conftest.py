"""Real Split clients in localhost mode, reading a YAML file of treatments: no network, no SDK key."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from splitio import get_factory

import ff_otel_split
from tests.conftest import Telemetry

SPLIT_FILE = """\
- checkout:
    treatment: "on"
    keys: "user-1"
    config: "{\\"color\\": \\"red\\"}"
- checkout:
    treatment: "off"
- banner:
    treatment: "blue"
"""


@pytest.fixture(autouse=True)
def _uninstrument() -> Iterator[None]:
    """Every test leaves Split's client classes as the SDK made them."""
    yield
    ff_otel_split.uninstrument()


@pytest.fixture
def split_file(tmp_path: Path) -> str:
    path = tmp_path / "split.yaml"
    path.write_text(SPLIT_FILE)
    return str(path)


@pytest.fixture
def split_factory(split_file: str) -> Iterator[Any]:
    """A ready localhost-mode factory, destroyed afterwards."""
    with warnings.catch_warnings():
        # The SDK's ready-status thread calls Thread.setDaemon(), deprecated since Python 3.10; let it finish here.
        warnings.filterwarnings("ignore", "setDaemon", DeprecationWarning)
        factory = get_factory("localhost", config={"splitFile": split_file})
        factory.block_until_ready(5)
        for thread in threading.enumerate():
            if thread.name == "SDKReadyFlagUpdater":
                thread.join(5)
    yield factory
    if not factory.destroyed:
        factory.destroy()


@pytest.fixture
def split_client(split_factory: Any) -> Any:
    return split_factory.client()


def events(telemetry: Telemetry) -> list[dict[str, object]]:
    """The attributes of every event of the one finished span, with the event name under `name`."""
    (span,) = telemetry.spans()
    return [{"name": event.name, **dict(event.attributes or {})} for event in span.events]
