"""A real LaunchDarkly client fed by the SDK's TestData source: no network, no SDK key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ldclient import Config, LDClient
from ldclient.integrations.test_data import TestData

from tests.conftest import Telemetry


def make_source() -> TestData:
    """Flags of each kind of reason: fallthrough, an individual target, a rule, and one that is off."""
    source = TestData.data_source()
    source.update(source.flag("new-checkout").variations(False, True).fallthrough_variation(1))
    source.update(
        source.flag("banner-color")
        .variations("red", "blue")
        .fallthrough_variation(0)
        .variation_for_key("user", "vip", 1)
    )
    source.update(
        source.flag("max-items").variations(10, 50).fallthrough_variation(0).if_match("plan", "pro").then_return(1)
    )
    source.update(source.flag("beta-banner").variations(False, True).off_variation(0).on(False))
    return source


def make_client(source: TestData, **config: object) -> LDClient:
    return LDClient(Config("test-sdk-key", update_processor_class=source, send_events=False, **config))  # type: ignore[arg-type]


@pytest.fixture
def source() -> TestData:
    return make_source()


@pytest.fixture
def ld_client(source: TestData) -> Iterator[LDClient]:
    """A LaunchDarkly client that is initialized from TestData."""
    client = make_client(source)
    assert client.is_initialized()
    yield client
    close(client)


def close(client: LDClient) -> None:
    client.close()  # type: ignore[no-untyped-call]  # the SDK leaves this one unannotated


def events(telemetry: Telemetry) -> list[dict[str, object]]:
    """The attributes of every event of the one finished span, with the event name under `name`."""
    (span,) = telemetry.spans()
    return [{"name": event.name, **dict(event.attributes or {})} for event in span.events]
