"""The five flags that every per-request benchmark's endpoint evaluates, from OpenFeature's InMemoryProvider."""

from __future__ import annotations

from typing import Any

from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

FLAGS = {
    "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
    "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
    "max-items": InMemoryFlag("ten", {"ten": 10, "five": 5}),
    "discount": InMemoryFlag("small", {"small": 0.05, "none": 0.0}),
    "layout": InMemoryFlag("grid", {"grid": {"columns": 3, "dense": True}, "list": {"columns": 1}}),
}
FLAG_COUNT = len(FLAGS)


def use_flags() -> None:
    """Serve `FLAGS` through the real InMemoryProvider, ready before the first request."""
    api.set_provider_and_wait(InMemoryProvider(dict(FLAGS)))


def evaluate_flags() -> dict[str, Any]:
    """What the benchmark endpoint does: evaluate the five flags, one of each type, as a view would."""
    client = api.get_client("benchmarks")
    return {
        "new-checkout": client.get_boolean_value("new-checkout", False),
        "banner-color": client.get_string_value("banner-color", "#000000"),
        "max-items": client.get_integer_value("max-items", 0),
        "discount": client.get_float_value("discount", 0.0),
        "layout": client.get_object_value("layout", {}),
    }


EXPECTED = {
    "new-checkout": True,
    "banner-color": "#c05543",
    "max-items": 10,
    "discount": 0.05,
    "layout": FLAGS["layout"].variants["grid"],
}
"""What `evaluate_flags()` returns when the provider served every flag."""
