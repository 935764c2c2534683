"""Turning the instrumentation of a LaunchDarkly client on and off."""

from __future__ import annotations

import threading
import weakref

from ldclient.client import LDClient

import ff_otel
from ff_otel_launchdarkly._hook import PROVIDER_NAME, LaunchDarklyHook

_lock = threading.Lock()
_hooks: weakref.WeakKeyDictionary[LDClient, LaunchDarklyHook] = weakref.WeakKeyDictionary()


def instrument(client: LDClient, *, provider_name: str = PROVIDER_NAME) -> LaunchDarklyHook:
    """Record every evaluation of `client` from now on; calling it again adds no second hook.

    Installs ff-otel with its default options if nothing has installed it yet (`ff_otel.install(...)` or a web
    adapter choose other options).

    Usage: ``ff_otel_launchdarkly.instrument(ldclient.get())``
    """
    if ff_otel.current_installation() is None:
        ff_otel.install()
    with _lock:
        hook = _hooks.get(client)
        if hook is None:
            hook = _hooks[client] = LaunchDarklyHook(provider_name=provider_name)
            client.add_hook(hook)
        hook.provider_name = provider_name
        hook.active = True
        return hook


def uninstrument(client: LDClient) -> None:
    """Stop recording the evaluations of `client`. Safe to call when it is not instrumented."""
    with _lock:
        hook = _hooks.get(client)
        if hook is not None:
            hook.active = False


def is_instrumented(client: LDClient) -> bool:
    """True while `instrument(client)` is in force."""
    hook = _hooks.get(client)
    return hook is not None and hook.active
