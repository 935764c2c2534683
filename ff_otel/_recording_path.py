"""How evaluations reach the recorder: the client wrapper where the SDK's shape is known, else the hook."""

from __future__ import annotations

import logging
from typing import Protocol

from openfeature import api

from ff_otel._client_wrapper import ClientWrapper, unsupported_reason
from ff_otel._hook import FeatureFlagHook, remove_hook
from ff_otel._recorder import Recorder

logger = logging.getLogger("ff_otel")


class RecordingPath(Protocol):
    """One way of seeing every OpenFeature evaluation; exactly one is in force at a time."""

    name: str
    recorder: Recorder

    def attach(self) -> None: ...

    def ensure(self) -> None: ...

    def detach(self) -> None: ...


class HookPath:
    """ff-otel's global OpenFeature hook, for an SDK whose evaluation path the client wrapper does not know."""

    name = "hook"

    def __init__(self, recorder: Recorder) -> None:
        self.hook = FeatureFlagHook(recorder)

    @property
    def recorder(self) -> Recorder:
        return self.hook.recorder

    @recorder.setter
    def recorder(self, recorder: Recorder) -> None:
        self.hook.recorder = recorder

    def attach(self) -> None:
        api.add_hooks([self.hook])

    def ensure(self) -> None:
        if self.hook not in api.get_hooks():  # someone cleared the global hooks since
            api.add_hooks([self.hook])

    def detach(self) -> None:
        remove_hook(self.hook)


_explained = False


def choose(recorder: Recorder) -> RecordingPath:
    """The client wrapper when the installed SDK has the shape it knows; the hook otherwise, said once."""
    global _explained
    reason = unsupported_reason()
    if reason is None:
        return ClientWrapper(recorder)
    if not _explained:
        _explained = True
        logger.info("ff_otel records through an OpenFeature hook instead of its client wrapper: %s", reason)
    return HookPath(recorder)
