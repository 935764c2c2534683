"""The asyncio Split client is wrapped the same way."""

from __future__ import annotations

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from split_openfeature_provider import SplitProviderAsync
from splitio import get_factory_async

import ff_otel
import ff_otel_split
from tests.conftest import Telemetry
from tests.split.conftest import events


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_async_treatments_are_recorded_and_returned_unchanged(telemetry: Telemetry, split_file: str) -> None:
    factory = await get_factory_async("localhost", config={"splitFile": split_file})
    try:
        await factory.block_until_ready(5)
        client = factory.client()
        ff_otel_split.instrument()
        with telemetry.tracer.start_as_current_span("request"):
            assert await client.get_treatment("user-1", "checkout") == "on"
            assert await client.get_treatments_with_config("user-2", ["checkout", "banner"]) == {
                "checkout": ("off", None),
                "banner": ("blue", None),
            }
            assert await client.get_treatment("user-1", "no-such-flag") == "control"
    finally:
        await factory.destroy()

    recorded = [
        (e["feature_flag.key"], e.get("feature_flag.result.variant", e.get("error.type"))) for e in events(telemetry)
    ]
    assert recorded[0] == ("checkout", "on")
    assert sorted(recorded[1:3]) == [("banner", "blue"), ("checkout", "off")]  # a batch comes back in any order
    assert recorded[3] == ("no-such-flag", "flag_not_found")


@pytest.mark.anyio
# Split's OpenFeature provider registers for the async client's events without awaiting it (provider 1.1.0).
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <coroutine object EventsManagerAsync.register:pytest.PytestUnraisableExceptionWarning"
)
async def test_through_the_async_openfeature_provider_a_treatment_is_recorded_once(
    telemetry: Telemetry, split_file: str
) -> None:
    factory = await get_factory_async("localhost", config={"splitFile": split_file})
    try:
        await factory.block_until_ready(5)
        provider = SplitProviderAsync({"SplitClient": factory.client(), "ThreadingMode": "asyncio"})
        await provider.create()
        api.set_provider_and_wait(provider)
        ff_otel.install()
        ff_otel_split.instrument(provider_name="Split SDK")
        with telemetry.tracer.start_as_current_span("request"):
            client = api.get_client()
            assert await client.get_string_value_async("banner", "grey", EvaluationContext("user-1")) == "blue"
    finally:
        await factory.destroy()

    assert [(e["feature_flag.key"], e["feature_flag.provider.name"]) for e in events(telemetry)] == [
        ("banner", "Split")
    ]
