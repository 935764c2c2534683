"""Turning ff-otel on and off: one recording path, the scoped propagator, and the options in force."""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import threading
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing_extensions import Unpack

from openfeature.transaction_context import TransactionContextPropagator

from ff_otel._context import ensure_propagator, restore_propagator_when_idle
from ff_otel._hook import FeatureFlagHook
from ff_otel._option_keywords import OptionKeywords, option_signature
from ff_otel._options import Options
from ff_otel._recorder import Recorder
from ff_otel._recording_path import HookPath, RecordingPath, choose
from ff_otel._safe import report

logger = logging.getLogger("ff_otel")

ENABLED_ENV = "OTEL_PYTHON_FF_OTEL_ENABLED"
"""Set to `false` to keep ff-otel off without a code change (the ops kill switch)."""


@dataclasses.dataclass(frozen=True)
class Installation:
    """What `install()` put in place. `active` is False when the kill switch kept ff-otel off."""

    options: Options
    path: RecordingPath | None
    replaced_propagator: TransactionContextPropagator | None = None
    provisional: bool = False
    """Installed with default options by `activate_defaults()`, until an adapter or `install()` brings its own."""

    @property
    def active(self) -> bool:
        return self.path is not None

    @property
    def recording(self) -> str | None:
        """How evaluations are seen: `"client wrapper"`, `"hook"` (an SDK the wrapper does not know), or None."""
        return None if self.path is None else self.path.name

    @property
    def recorder(self) -> Recorder | None:
        """The recorder of evaluations made outside requests (a web adapter's requests use its own)."""
        return None if self.path is None else self.path.recorder

    @property
    def hook(self) -> FeatureFlagHook | None:
        """The global OpenFeature hook, when that is how evaluations are recorded."""
        return self.path.hook if isinstance(self.path, HookPath) else None

    def uninstall(self) -> None:
        """Same as `ff_otel.uninstall()`."""
        uninstall()


_lock = threading.Lock()
_current: Installation | None = None
# Weakly: an app's recorder holds its options' providers, and goes with the app (a test suite makes many). The last
# few made stay, for a caller that makes a scope per request without keeping its recorder.
_recorders: weakref.WeakValueDictionary[Options, Recorder] = weakref.WeakValueDictionary()
_recent_recorders: collections.deque[Recorder] = collections.deque(maxlen=8)
_recorders_lock = threading.Lock()


def killed() -> bool:
    """True when the ops kill switch keeps ff-otel off."""
    return os.environ.get(ENABLED_ENV, "true").strip().lower() in ("false", "0", "no", "off")


@option_signature(Options)
def install(options: Options | None = None, **values: Unpack[OptionKeywords]) -> Installation:
    """Start recording every OpenFeature evaluation, once, and return what was installed.

    ff-otel wraps the OpenFeature client's evaluation path (or, on an SDK release it does not know, registers a
    global hook). Calling it again never records twice: the options of the last call are the ones in force
    outside requests. Requests served by a web adapter are recorded with that adapter's own options.

    Usage: ``ff_otel.install(semconv="both")`` or ``ff_otel.install(ff_otel.Options(...))``
    """
    if options is not None and values:
        raise TypeError("ff_otel.install() takes an Options object or keyword options, not both")
    return _install(options if options is not None else Options.from_mapping(values), replace=True)


def activate(options: Options) -> Installation:
    """Install ff-otel for a web adapter: with `options` if nothing is installed yet, else keep what is.

    The adapter's requests use `options` either way (see `recorder_for`); when the options in force outside
    requests differ, that is said once on the `ff_otel` logger.
    """
    return _install(options, replace=False)


def activate_defaults() -> Installation:
    """Install ff-otel with default options if nothing is installed yet, until an adapter or `install()` brings its
    own options, which then take over without a warning.

    For adapters that the framework creates late (Starlette builds its middleware stack at the first request):
    evaluations made before that, at module level or in the lifespan, are recorded all the same.
    """
    return _install(Options(), replace=False, provisional=True)


def _install(chosen: Options, *, replace: bool, provisional: bool = False) -> Installation:
    global _current
    if killed():
        logger.info("ff_otel is turned off by %s", ENABLED_ENV)
        return Installation(chosen, None)
    with _lock:
        current = _current
        if current is not None and current.path is not None:
            path = current.path
            if provisional:
                return current
            if current.provisional:  # the defaults were a stand-in until these options came
                path.recorder = recorder_for(chosen)
                current = _current = dataclasses.replace(current, options=chosen, provisional=False)
            elif chosen != current.options:
                report(
                    "ff_otel was set up twice with different options: each web adapter records its own requests "
                    "with its own options; evaluations outside requests use "
                    + ("the ones of the last ff_otel.install()" if replace else "the ones installed first")
                )
                if replace:
                    path.recorder = recorder_for(chosen)
                    current = _current = dataclasses.replace(current, options=chosen)
            path.ensure()  # the global hooks cleared, or the client's methods replaced, since
            ensure_propagator()
            return current
        path = choose(recorder_for(chosen))
        path.attach()
        _current = Installation(chosen, path, ensure_propagator(), provisional=provisional)
        return _current


def recorder_for(options: Options) -> Recorder:
    """The recorder for `options`, made once per distinct set of options."""
    recorder = _recorders.get(options)
    if recorder is None:
        with _recorders_lock:
            recorder = _recorders.get(options)
            if recorder is None:
                recorder = _recorders[options] = Recorder(options)
                _recent_recorders.append(recorder)
    return recorder


def uninstall() -> None:
    """Stop recording, restoring what `install()` changed. Safe to call when not installed.

    The application's own hooks stay, in their order, with no moment where they are missing; blocks in flight
    keep their context until they end.
    """
    global _current
    with _lock:
        if _current is None:
            return
        path, replaced = _current.path, _current.replaced_propagator
        _current = None
    if path is not None:
        path.detach()
    if replaced is not None:
        restore_propagator_when_idle(replaced)


def current_installation() -> Installation | None:
    """The installation in force, if any."""
    return _current
