"""ff-otel's options from `OTEL_PYTHON_FF_OTEL_<OPTION>` environment variables, validated like the code options.

Each variable is named after one option (`semconv` -> `OTEL_PYTHON_FF_OTEL_SEMCONV`). Its text is converted to the
option's type when it reads as one, and otherwise handed to the core unchanged, so the core's own validation
decides and its error message is the one shown, prefixed with the variable's name.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from typing import Any

import ff_otel

PREFIX = "OTEL_PYTHON_FF_OTEL_"
"""Every option's variable is this prefix followed by the option name in capitals."""

# Read by the core itself (the kill switch), so not an option.
_RESERVED = frozenset({ff_otel.ENABLED_ENV})
_BOOLEANS = frozenset(
    {"log_outside_spans", "metrics", "pseudonymize_context_id", "start_span", "summary", "persist_anonymous_id"}
)
_CHOICES = frozenset({"semconv", "capture_value"})
_INTEGERS = frozenset({"max_value_length", "max_summary_flags"})
_OPTIONAL_INTEGERS = frozenset({"max_events_per_span"})
_FLAG_KEYS = frozenset({"value_allowlist", "value_denylist"})
_CALLABLES = frozenset({"redact", "context_builder", "identity"})
_OBJECTS = frozenset({"tracer_provider", "logger_provider", "meter_provider"})

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})
_INTEGER = re.compile(r"[+-]?\d+")
_DOTTED = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def variable_name(option: str) -> str:
    """The environment variable of one option: ``variable_name("semconv") == "OTEL_PYTHON_FF_OTEL_SEMCONV"``."""
    return PREFIX + option.upper()


def options_from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ff-otel options set in `environ` (default: `os.environ`), validated like options given in code.

    An unknown variable in the family or a bad value raises TypeError or ValueError with the core's message,
    prefixed with the variable's name. Empty variables count as unset.

    Usage: ``ff_otel_instrument.options_from_environ({"OTEL_PYTHON_FF_OTEL_SEMCONV": "both"}) == {"semconv": "both"}``
    """
    source = os.environ if environ is None else environ
    found = {
        name: text
        for name, text in source.items()
        if name.startswith(PREFIX) and name not in _RESERVED and text.strip() != ""
    }
    values: dict[str, Any] = {}
    for name in sorted(found):
        option = name[len(PREFIX) :].lower()
        if option in _OBJECTS:
            raise TypeError(f"{name}: ff_otel option {option!r} cannot be set from the environment; pass it in code")
        values[option] = _convert(option, found[name])
    for option, value in values.items():
        # One at a time, so the message names the variable at fault; the secret key goes along because
        # `pseudonymize_context_id` is only valid with one.
        alone = {option: value}
        if "secret_key" in values:
            alone.setdefault("secret_key", values["secret_key"])
        try:
            ff_otel.split_options(alone)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{variable_name(option)}: {error}") from error
    return values


def _convert(option: str, text: str) -> Any:
    stripped = text.strip()
    if option in _BOOLEANS:
        lowered = stripped.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    if option in _CHOICES:
        return stripped.lower()
    if option in _INTEGERS or option in _OPTIONAL_INTEGERS:
        if option in _OPTIONAL_INTEGERS and stripped.lower() == "none":
            return None
        return int(stripped) if _INTEGER.fullmatch(stripped) else text
    if option in _FLAG_KEYS:
        return tuple(key.strip() for key in stripped.split(",") if key.strip())
    if option in _CALLABLES:
        return _reference(stripped) or text
    return text  # secret_key, excluded_urls, and options this module has no special reading for


def _reference(text: str) -> ImportedCallable | None:
    module, separator, attribute = text.partition(":")
    if not separator:
        module, _, attribute = text.rpartition(".")
    if not module or not _DOTTED.fullmatch(module) or not _DOTTED.fullmatch(attribute):
        return None
    return ImportedCallable(module, attribute)


class ImportedCallable:
    """A callable named in an environment variable as ``package.module:function`` (or ``package.module.function``).

    It is imported at its first call, not when the variable is read: auto-instrumentation runs before the
    application's own modules are importable.
    """

    __slots__ = ("_target", "attribute", "module")

    def __init__(self, module: str, attribute: str) -> None:
        self.module = module
        self.attribute = attribute
        self._target: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        target = self._target
        if target is None:
            target = importlib.import_module(self.module)
            for part in self.attribute.split("."):
                target = getattr(target, part)
            self._target = target
        return target(*args, **kwargs)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImportedCallable):
            return NotImplemented
        return (self.module, self.attribute) == (other.module, other.attribute)

    def __hash__(self) -> int:
        return hash((self.module, self.attribute))

    def __repr__(self) -> str:
        return f"ImportedCallable('{self.module}:{self.attribute}')"
