"""Turning ff-otel on and off: one global hook, the scoped propagator, and the options in force."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from typing import Any

from openfeature import api
from openfeature.transaction_context import TransactionContextPropagator, set_transaction_context_propagator

from ff_otel._context import ensure_propagator, propagator_is_ours
from ff_otel._hook import FeatureFlagHook
from ff_otel._options import Options
from ff_otel._recorder import Recorder

logger = logging.getLogger("ff_otel")

ENABLED_ENV = "OTEL_PYTHON_FF_OTEL_ENABLED"
"""Set to `false` to keep ff-otel off without a code change (the ops kill switch)."""


@dataclasses.dataclass(frozen=True)
class Installation:
    """What `install()` put in place. `active` is False when the kill switch kept ff-otel off."""

    options: Options
    hook: FeatureFlagHook | None
    replaced_propagator: TransactionContextPropagator | None = None

    @property
    def active(self) -> bool:
        return self.hook is not None

    def uninstall(self) -> None:
        """Same as `ff_otel.uninstall()`."""
        uninstall()


_lock = threading.Lock()
_current: Installation | None = None


def install(options: Options | None = None, **values: Any) -> Installation:
    """Register ff-otel's OpenFeature hook globally, once, and return what was installed.

    Calling it again never adds a second hook: the options of the last call are the ones in force.

    Usage: ``ff_otel.install(semconv="both")`` or ``ff_otel.install(ff_otel.Options(...))``
    """
    global _current
    if options is not None and values:
        raise TypeError("ff_otel.install() takes an Options object or keyword options, not both")
    chosen = options if options is not None else Options.from_mapping(values)
    if os.environ.get(ENABLED_ENV, "true").strip().lower() in ("false", "0", "no", "off"):
        logger.info("ff_otel is turned off by %s", ENABLED_ENV)
        return Installation(chosen, None)
    with _lock:
        if _current is not None and _current.hook is not None:
            if chosen != _current.options:
                _current.hook.recorder = Recorder(chosen)
                logger.debug("ff_otel options replaced by a later install()")
            if _current.hook not in api.get_hooks():  # someone cleared the global hooks since
                api.add_hooks([_current.hook])
            ensure_propagator()
            _current = dataclasses.replace(_current, options=chosen)
            return _current
        hook = FeatureFlagHook(Recorder(chosen))
        api.add_hooks([hook])
        _current = Installation(chosen, hook, ensure_propagator())
        return _current


def uninstall() -> None:
    """Remove the hook and restore the propagator that `install()` replaced. Safe to call when not installed."""
    global _current
    with _lock:
        if _current is None:
            return
        hook, replaced = _current.hook, _current.replaced_propagator
        _current = None
    if hook is not None:
        others = [h for h in api.get_hooks() if h is not hook]
        api.clear_hooks()
        api.add_hooks(others)
    if replaced is not None and propagator_is_ours():
        set_transaction_context_propagator(replaced)


def current_installation() -> Installation | None:
    """The installation in force, if any."""
    return _current
