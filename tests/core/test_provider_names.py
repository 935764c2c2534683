"""The provider recorded is the one that answered, when providers are replaced or bound to domains."""

from __future__ import annotations

import pytest
from openfeature import api
from openfeature.provider import Metadata
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

import ff_otel
from ff_otel.integration import semconv
from tests.conftest import Telemetry

FLAGS = {"new-checkout": InMemoryFlag("on", {"on": True, "off": False})}


class Named(InMemoryProvider):
    def __init__(self, name: str) -> None:
        super().__init__(dict(FLAGS))
        self._name = name

    def get_metadata(self) -> Metadata:
        return Metadata(name=self._name)


def provider_names(telemetry: Telemetry) -> list[object]:
    return [(event.attributes or {}).get(semconv.PROVIDER_NAME) for span in telemetry.spans() for event in span.events]


@pytest.mark.parametrize("replacements", [1, 70])  # past the names remembered, too
def test_each_evaluation_names_the_provider_that_answered_it(telemetry: Telemetry, replacements: int) -> None:
    ff_otel.install(max_events_per_span=None)
    client = api.get_client()
    expected = []
    with telemetry.tracer.start_as_current_span("request"):
        for n in range(replacements + 1):
            api.set_provider_and_wait(Named(f"provider-{n}"))
            client.get_boolean_value("new-checkout", False)
            expected.append(f"provider-{n}")
        api.set_provider_and_wait(Named("for-a-domain"), domain="payments")
        api.get_client("payments").get_boolean_value("new-checkout", False)
        expected.append("for-a-domain")

    assert provider_names(telemetry) == expected
