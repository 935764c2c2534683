"""Wrapping the treatment methods of Split's clients, and unwrapping them again.

The wrappers return exactly what the SDK returned and let anything it raises pass untouched; recording happens
after the SDK is done, and an error while recording is logged on the `ff_otel` logger, never raised.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from typing import Any, Final

import wrapt
from opentelemetry.instrumentation.utils import unwrap
from splitio.client.client import Client, ClientAsync

import ff_otel
from ff_otel.integration import report, track_openfeature_evaluations
from ff_otel_split._treatments import PROVIDER_NAME, record_many, record_one

_SINGLE: Final = ("get_treatment", "get_treatment_with_config")
_MANY: Final = (
    "get_treatments",
    "get_treatments_with_config",
    "get_treatments_by_flag_set",
    "get_treatments_by_flag_sets",
    "get_treatments_with_config_by_flag_set",
    "get_treatments_with_config_by_flag_sets",
)
_CLASSES: Final = (Client, ClientAsync)

Method = Callable[..., Any]


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.provider_name = PROVIDER_NAME
        self.wrappers: dict[tuple[type, str], object] = {}  # the wrappers in force, as set on each class
        # Bumped by every uninstrument(): a wrapper left under someone else's only passes calls through.
        self.generation = 0


_state = _State()

# Set while a wrapped method runs, so a treatment method that calls another is recorded once, at the outside.
_inside: contextvars.ContextVar[bool] = contextvars.ContextVar("ff_otel_split_inside", default=False)


def instrument(*, provider_name: str = PROVIDER_NAME) -> None:
    """Record every treatment of every Split client (`Client` and `ClientAsync`) from now on. Idempotent.

    Installs ff-otel with its default options if nothing has installed it yet (`ff_otel.install(...)` or a web
    adapter choose other options).

    Usage: ``ff_otel_split.instrument()``
    """
    if ff_otel.current_installation() is None:
        ff_otel.install()
    track_openfeature_evaluations()  # so an evaluation through Split's OpenFeature provider is recorded once
    with _state.lock:
        _state.provider_name = provider_name
        if _state.wrappers:
            return
        generation = _state.generation
        for cls in _CLASSES:
            for name in (*_SINGLE, *_MANY):
                if getattr(cls, name, None) is None:  # flag-set methods arrived in later SDK versions
                    continue
                recorder = _async_wrapper if cls is ClientAsync else _sync_wrapper
                wrapt.wrap_function_wrapper(cls, name, recorder(name, generation))
                _state.wrappers[cls, name] = cls.__dict__[name]


def uninstrument() -> None:
    """Put the SDK's own methods back. Safe to call when not instrumented."""
    with _state.lock:
        for (cls, name), wrapper in _state.wrappers.items():
            if cls.__dict__.get(name) is wrapper:  # else someone wrapped ours since: theirs stays, ours stands aside
                unwrap(cls, name)
        _state.wrappers.clear()
        _state.generation += 1


def is_instrumented() -> bool:
    """True while `instrument()` is in force."""
    return bool(_state.wrappers)


Wrapper = Callable[[Method, Any, tuple[Any, ...], dict[str, Any]], Any]


def _sync_wrapper(name: str, generation: int) -> Wrapper:
    def treatment_method(wrapped: Method, client: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _inside.get():
            return wrapped(*args, **kwargs)
        token = _inside.set(True)
        try:
            result = wrapped(*args, **kwargs)
        finally:
            _inside.reset(token)
        _record(generation, client, name, args, kwargs, result)
        return result

    return treatment_method


def _async_wrapper(name: str, generation: int) -> Wrapper:
    async def treatment_method(wrapped: Method, client: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if _inside.get():
            return await wrapped(*args, **kwargs)
        token = _inside.set(True)
        try:
            result = await wrapped(*args, **kwargs)
        finally:
            _inside.reset(token)
        _record(generation, client, name, args, kwargs, result)
        return result

    return treatment_method


def _record(
    generation: int, client: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> None:
    if generation != _state.generation:
        return
    try:
        key = args[0] if args else kwargs.get("key")
        if name in _SINGLE:
            flag = args[1] if len(args) > 1 else kwargs.get("feature_flag_name")
            record_one(client, key, flag, result, _state.provider_name)
        else:
            record_many(client, key, result, _state.provider_name)
    except Exception as error:
        report("ff_otel could not record a Split treatment", error)
