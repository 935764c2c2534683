"""Wrapping the treatment methods of Split's clients, and unwrapping them again.

The wrappers return exactly what the SDK returned and let anything it raises pass untouched; recording happens
after the SDK is done, and an error while recording is logged on the `ff_otel` logger, never raised.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from typing import Any, Final

from splitio.client.client import Client, ClientAsync

import ff_otel
from ff_otel import _in_progress
from ff_otel._safe import report
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
        # (class, method name) -> (what the class itself defined before, or None if inherited; our wrapper)
        self.wrapped: dict[tuple[type, str], tuple[Method | None, Method]] = {}
        self.live: set[Method] = set()  # the wrappers in force


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
    _in_progress.track()  # so an evaluation through Split's OpenFeature provider is recorded once
    with _state.lock:
        _state.provider_name = provider_name
        if _state.wrapped:
            return
        for cls in _CLASSES:
            for name in (*_SINGLE, *_MANY):
                original = getattr(cls, name, None)
                if original is None:  # flag-set methods arrived in later SDK versions
                    continue
                wrapper = _wrap_async(original, name) if cls is ClientAsync else _wrap(original, name)
                _state.wrapped[cls, name] = (cls.__dict__.get(name), wrapper)
                _state.live.add(wrapper)
                setattr(cls, name, wrapper)


def uninstrument() -> None:
    """Put the SDK's own methods back. Safe to call when not instrumented."""
    with _state.lock:
        for (cls, name), (own, wrapper) in _state.wrapped.items():
            if cls.__dict__.get(name) is not wrapper:
                continue  # someone wrapped ours since: leave theirs in place; ours stands aside below
            if own is None:
                delattr(cls, name)
            else:
                setattr(cls, name, own)
        _state.wrapped.clear()
        _state.live.clear()


def is_instrumented() -> bool:
    """True while `instrument()` is in force."""
    return bool(_state.wrapped)


def _wrap(original: Method, name: str) -> Method:
    @functools.wraps(original)
    def treatment_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _inside.get():
            return original(self, *args, **kwargs)
        token = _inside.set(True)
        try:
            result = original(self, *args, **kwargs)
        finally:
            _inside.reset(token)
        _record(treatment_method, self, name, args, kwargs, result)
        return result

    return treatment_method


def _wrap_async(original: Method, name: str) -> Method:
    @functools.wraps(original)
    async def treatment_method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _inside.get():
            return await original(self, *args, **kwargs)
        token = _inside.set(True)
        try:
            result = await original(self, *args, **kwargs)
        finally:
            _inside.reset(token)
        _record(treatment_method, self, name, args, kwargs, result)
        return result

    return treatment_method


def _record(
    wrapper: Method, client: Any, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> None:
    # A wrapper left in place under someone else's after `uninstrument()` only passes calls through.
    if wrapper not in _state.live:
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
