"""The flags the test apps evaluate: the real OpenFeature SDK and its in-memory provider, and nothing of ff-otel."""

from __future__ import annotations

from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

FLAGS = {
    "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
    "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
}


def use_in_memory_flags() -> None:
    """Make the in-memory provider the application's provider."""
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))


def storefront() -> str:
    """What a page shows, from two flag evaluations."""
    client = api.get_client()
    checkout = client.get_boolean_value("new-checkout", False)
    color = client.get_string_value("banner-color", "grey")
    return f"checkout={checkout} color={color}"
