"""A provider for odd values: it resolves the flag "echo" to whatever value and metadata the request described.

The request carries a JSON description (`{"t": kind, "v": ...}`) so that values JSON cannot hold (bytes, NaN,
cyclic structures) can still be sent over the wire and rebuilt here.
"""

from __future__ import annotations

import base64
import contextvars
from collections.abc import Mapping, Sequence
from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.provider import AbstractProvider, Metadata

DOMAIN = "echo"
FLAG = "echo"

_VALUE: contextvars.ContextVar[tuple[object, Mapping[str, Any]]] = contextvars.ContextVar("echo_value")


def decode(spec: Any) -> object:
    """The Python value a description stands for."""
    kind, value = spec["t"], spec.get("v")
    if kind in ("str", "int", "bool"):
        return value
    if kind == "float":
        return float(value)  # "nan", "inf", "-inf" or a number's repr
    if kind == "bytes":
        return base64.b64decode(value)
    if kind == "list":
        return [decode(item) for item in value]
    if kind == "dict":
        return {key: decode(item) for key, item in value.items()}
    if kind == "cyclic":
        cycle: list[object] = [decode(value)]
        cycle.append(cycle)
        return cycle
    raise ValueError(f"unknown value kind {kind!r}")


class EchoProvider(AbstractProvider):
    """Resolves every flag to the value the current request described, with no variant."""

    def get_metadata(self) -> Metadata:
        return Metadata(name="EchoProvider")

    def _resolve(self, default_value: Any) -> FlagResolutionDetails[Any]:
        value, metadata = _VALUE.get((default_value, {}))
        return FlagResolutionDetails(value=value, flag_metadata=dict(metadata))

    def resolve_boolean_details(
        self, flag_key: str, default_value: bool, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(default_value)

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return self._resolve(default_value)

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        return self._resolve(default_value)

    def resolve_float_details(
        self, flag_key: str, default_value: float, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[float]:
        return self._resolve(default_value)

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: Sequence[Any] | Mapping[str, Any],
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Sequence[Any] | Mapping[str, Any]]:
        return self._resolve(default_value)


def configure_echo() -> None:
    """Bind the echo provider to its own OpenFeature domain, next to flagd."""
    api.set_provider_and_wait(EchoProvider(), domain=DOMAIN)


def evaluate_echo(description: Mapping[str, Any]) -> int:
    """Evaluate the "echo" flag with the described value and metadata, with the accessor its type calls for."""
    value = decode(description["value"])
    metadata = {key: decode(item) for key, item in description.get("metadata", {}).items()}
    token = _VALUE.set((value, metadata))
    try:
        client = api.get_client(domain=DOMAIN)
        if isinstance(value, bool):
            client.get_boolean_value(FLAG, False)
        elif isinstance(value, int):
            client.get_integer_value(FLAG, 0)
        elif isinstance(value, float):
            client.get_float_value(FLAG, 0.0)
        elif isinstance(value, str):
            client.get_string_value(FLAG, "")
        else:  # structures, and bytes: the SDK reports a type mismatch for what is neither
            client.get_object_value(FLAG, {})
    finally:
        _VALUE.reset(token)
    return 1
