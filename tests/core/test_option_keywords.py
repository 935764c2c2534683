"""The options' keyword form stays the options' declaration: same names, same types, shown in signatures."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

import ff_otel
from ff_otel.integration import AdapterOptionKeywords, AdapterOptions, OptionKeywords


def _annotations(declaration: type) -> dict[str, str]:
    return {field.name: str(field.type) for field in dataclasses.fields(declaration)}


def _typed_dict_annotations(typed_dict: Any) -> dict[str, str]:
    merged: dict[str, str] = {}
    for cls in reversed(typed_dict.__mro__):
        annotations = getattr(cls, "__annotations__", {})
        merged.update({name: getattr(value, "__forward_arg__", value) for name, value in annotations.items()})
    return merged


def test_the_keyword_types_are_the_declared_options_name_for_name_and_type_for_type() -> None:
    assert _typed_dict_annotations(OptionKeywords) == _annotations(ff_otel.Options)
    assert _typed_dict_annotations(AdapterOptionKeywords) == {
        **_annotations(ff_otel.Options),
        **_annotations(AdapterOptions),
    }


def test_install_shows_every_core_option_as_a_keyword_only_parameter_with_its_default() -> None:
    parameters = inspect.signature(ff_otel.install).parameters

    assert next(iter(parameters)) == "options"
    for field in dataclasses.fields(ff_otel.Options):
        assert parameters[field.name].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["semconv"].default == "latest"
    assert parameters["max_events_per_span"].default == 64


@pytest.mark.parametrize("adapter", ["ff_otel_flask:FeatureFlags", "ff_otel_asgi:FeatureFlagMiddleware"])
def test_web_adapter_constructors_show_core_and_adapter_options_as_keyword_only(adapter: str) -> None:
    module, name = adapter.split(":")
    constructor = getattr(__import__(module), name)

    parameters = inspect.signature(constructor).parameters

    assert "app" in parameters
    for field in (*dataclasses.fields(ff_otel.Options), *dataclasses.fields(AdapterOptions)):
        assert parameters[field.name].kind is inspect.Parameter.KEYWORD_ONLY, field.name
    assert parameters["impact_flags"].default == frozenset()
    assert parameters["start_span"].default is True
