"""Options from outside code: `OTEL_PYTHON_FF_OTEL_<OPTION>` variables and framework settings with dotted paths.

How a text becomes a value is derived from each option's declared type in `Options` and `AdapterOptions`, so a
new option is read correctly from its variable the moment it is declared. A text that does not read as its type
is handed to the options unchanged, so their own validation decides and its message is the one shown.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import importlib
import os
import re
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from opentelemetry._logs import LoggerProvider
from opentelemetry.metrics import MeterProvider
from opentelemetry.trace import TracerProvider

from ff_otel._adapter_options import AdapterOptions, split_options
from ff_otel._install import ENABLED_ENV
from ff_otel._options import Options

PREFIX = "OTEL_PYTHON_FF_OTEL_"
"""Every option's variable is this prefix followed by the option name in capitals."""

Kind = Literal["bool", "int", "optional_int", "choice", "keys", "callable", "object", "text"]

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_INTEGER = re.compile(r"[+-]?\d+")
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_PROVIDERS = (TracerProvider, LoggerProvider, MeterProvider)


def variable_name(option: str) -> str:
    """The environment variable of one option: ``variable_name("semconv") == "OTEL_PYTHON_FF_OTEL_SEMCONV"``."""
    return PREFIX + option.upper()


@cache
def option_kinds() -> dict[str, Kind]:
    """Every option's name and how its text is read, from the declared types."""
    kinds: dict[str, Kind] = {}
    for cls in (Options, AdapterOptions):
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            kinds[field.name] = _kind(hints[field.name])
    return kinds


def _kind(hint: Any) -> Kind:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        present = [arg for arg in args if arg is not type(None)]
        if len(present) == 1:
            kind = _kind(present[0])
            return "optional_int" if kind == "int" else kind
        return "text"  # several types (a string or strings, str or bytes): the option reads the text itself
    if hint is bool:
        return "bool"
    if hint is int:
        return "int"
    if origin is Literal:
        return "choice"
    if origin is collections.abc.Callable:
        return "callable"
    if origin in (collections.abc.Collection, frozenset, set, tuple, list):
        return "keys"
    if isinstance(hint, type) and issubclass(hint, _PROVIDERS):
        return "object"
    return "text"


def options_from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ff-otel options set in `environ` (default: `os.environ`), validated like options given in code.

    An unknown variable in the family or a bad value raises TypeError or ValueError with the options' message,
    prefixed with the variable's name. Empty variables count as unset.

    Usage: ``options_from_environ({"OTEL_PYTHON_FF_OTEL_SEMCONV": "both"}) == {"semconv": "both"}``
    """
    source = os.environ if environ is None else environ
    found = {
        name: text
        for name, text in source.items()
        if name.startswith(PREFIX) and name != ENABLED_ENV and text.strip() != ""
    }
    kinds = option_kinds()
    values: dict[str, Any] = {}
    for name in sorted(found):
        option = name[len(PREFIX) :].lower()
        kind = kinds.get(option, "text")
        if kind == "object":
            raise TypeError(f"{name}: ff_otel option {option!r} cannot be set from the environment; pass it in code")
        values[option] = read(kind, found[name])
    for option, value in values.items():
        # One at a time, so the message names the variable at fault; the secret key goes along because
        # `pseudonymize_context_id` is only valid with one.
        alone = {option: value}
        if "secret_key" in values:
            alone.setdefault("secret_key", values["secret_key"])
        try:
            split_options(alone)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{variable_name(option)}: {error}") from error
    return values


def read(kind: Kind, text: str) -> Any:
    """`text` as a value of `kind`, or `text` itself when it does not read as one."""
    stripped = text.strip()
    lowered = stripped.lower()
    if kind == "bool":
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if kind == "choice":
        return lowered
    if kind in ("int", "optional_int"):
        if kind == "optional_int" and lowered == "none":
            return None
        return int(stripped) if _INTEGER.fullmatch(stripped) else text
    if kind == "keys":
        return tuple(key.strip() for key in stripped.split(",") if key.strip())
    if kind == "callable":
        return reference(stripped) or text
    return text


def resolve_dotted_paths(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with every callable or provider option given as a dotted path imported (framework settings)."""
    kinds = option_kinds()
    resolved = dict(values)
    for name, value in values.items():
        if isinstance(value, str) and kinds.get(name) in ("callable", "object"):
            found = reference(value)
            if found is None:
                raise ValueError(f"ff_otel option {name!r}: {value!r} is not a dotted path")
            try:
                resolved[name] = found.load()
            except (ImportError, AttributeError) as error:
                raise ValueError(f"ff_otel option {name!r}: cannot import {value!r}: {error}") from error
    return resolved


def reference(text: str) -> ImportedCallable | None:
    """``package.module:name`` or ``package.module.name`` as a lazily imported reference, else None."""
    module, separator, attribute = text.partition(":")
    if not separator:
        module, _, attribute = text.rpartition(".")
    if not module or not _DOTTED.fullmatch(module) or not _DOTTED.fullmatch(attribute):
        return None
    return ImportedCallable(module, attribute)


class ImportedCallable:
    """A callable named as ``package.module:function`` (or ``package.module.function``).

    It is imported at its first call, not when the name is read: auto-instrumentation runs before the
    application's own modules are importable.
    """

    __slots__ = ("_target", "attribute", "module")

    def __init__(self, module: str, attribute: str) -> None:
        self.module = module
        self.attribute = attribute
        self._target: Any = None

    def load(self) -> Any:
        """The named object, imported now."""
        target = self._target
        if target is None:
            target = importlib.import_module(self.module)
            for part in self.attribute.split("."):
                target = getattr(target, part)
            self._target = target
        return target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.load()(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImportedCallable):
            return NotImplemented
        return (self.module, self.attribute) == (other.module, other.attribute)

    def __hash__(self) -> int:
        return hash((self.module, self.attribute))

    def __repr__(self) -> str:
        return f"ImportedCallable('{self.module}:{self.attribute}')"
