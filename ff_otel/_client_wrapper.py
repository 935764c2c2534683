"""Recording from a wrapper around the OpenFeature client's evaluation path, instead of a registered hook.

Every `get_*_value` / `get_*_details` call of `OpenFeatureClient`, sync or async, goes through
`evaluate_flag_details` or `evaluate_flag_details_async`, and those return the final details the application
gets: provider not ready, type mismatch, `before`/`after` hooks that raised, all included. Wrapping those two
methods on the class (the way OpenTelemetry's contrib instrumentations wrap a library's public methods) sees every
evaluation a global hook sees, on clients made before and after `install()`, without the SDK's per-hook dispatch
(a `HookContext` and four stage calls per hook, about 40% of a bare `InMemoryProvider` evaluation).

The wrapper is applied only to an SDK whose evaluation path has the shape it was written for; otherwise the
installer falls back to `FeatureFlagHook`.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Coroutine, MutableMapping
from importlib import metadata
from typing import Any, Literal, TypeVar

from openfeature import client as client_module
from openfeature.client import OpenFeatureClient
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagEvaluationDetails, FlagEvaluationOptions, FlagType, FlagValueType
from openfeature.provider import FeatureProvider, ProviderStatus
from opentelemetry.trace import Span

from ff_otel import _impact, _in_progress
from ff_otel._context import merged_targeting_key
from ff_otel._evaluation import Evaluation
from ff_otel._hook import IN_PROGRESS_KEY, evaluation_of_details
from ff_otel._recorder import Recorder
from ff_otel._request_state import IN_FLIGHT, InFlight
from ff_otel._safe import report
from ff_otel._values import safe_str

_SYNC = "evaluate_flag_details"
_ASYNC = "evaluate_flag_details_async"
_PARAMETERS = ("self", "flag_type", "flag_key", "default_value", "evaluation_context", "flag_evaluation_options")
_NOT_STARTED = frozenset({ProviderStatus.NOT_READY, ProviderStatus.FATAL})
"""Provider states in which the client fails an evaluation before any hook's `before` stage."""
_ERROR_HOOKS = "error_hooks"
"""The function the client module calls for its error stage, with the exception it caught."""
_ERROR_PARAMETERS = ("flag_type", "exception")
KNOWN_SDK_SERIES = ("0.10.",)
"""openfeature-sdk releases whose evaluation path was checked against the hook, event for event."""

Details = FlagEvaluationDetails[FlagValueType]
_Sync = Callable[..., Details]
_Async = Callable[..., Coroutine[Any, Any, Details]]

_MARK = "__ff_otel_wrapper__"
_F = TypeVar("_F", bound=Callable[..., Any])


def unsupported_reason() -> str | None:
    """Why the wrapper cannot be used with the installed OpenFeature SDK, or None when it can."""
    try:
        version = metadata.version("openfeature-sdk")
    except metadata.PackageNotFoundError:
        version = "unknown"
    if not version.startswith(KNOWN_SDK_SERIES):
        return f"openfeature-sdk {version} is not a release ff-otel's client wrapper knows"
    sync, asynchronous = _current(_SYNC), _current(_ASYNC)
    for name, method in ((_SYNC, sync), (_ASYNC, asynchronous)):
        original = _unwrapped(method)
        if not callable(original) or tuple(inspect.signature(original).parameters) != _PARAMETERS:
            return f"OpenFeatureClient.{name} does not have the signature ff-otel's client wrapper knows"
    if not inspect.iscoroutinefunction(_unwrapped(asynchronous)):
        return f"OpenFeatureClient.{_ASYNC} is not a coroutine function"
    if not isinstance(inspect.getattr_static(OpenFeatureClient, "provider", None), property):
        return "OpenFeatureClient.provider is not a property"
    error_hooks = _unwrapped(getattr(client_module, _ERROR_HOOKS, None))
    if not callable(error_hooks) or tuple(inspect.signature(error_hooks).parameters)[:2] != _ERROR_PARAMETERS:
        return "openfeature.client.error_hooks does not have the signature ff-otel's client wrapper knows"
    return None


class ClientWrapper:
    """ff-otel's recording path around `OpenFeatureClient.evaluate_flag_details(_async)`."""

    name = "client wrapper"

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def attach(self) -> None:
        """Wrap the client's evaluation path, or take over a wrapper of ours that is still in place."""
        global _active
        _active = self
        for name, make in ((_SYNC, _wrap_sync), (_ASYNC, _wrap_async)):
            if not _is_ours_somewhere(_current(name)):
                setattr(OpenFeatureClient, name, make(_current(name)))
        error_hooks = getattr(client_module, _ERROR_HOOKS)
        if not _is_ours_somewhere(error_hooks):
            setattr(client_module, _ERROR_HOOKS, _wrap_error_hooks(error_hooks))

    def ensure(self) -> None:
        """Put the wrapper back if the methods were replaced since (by something that dropped ours)."""
        self.attach()

    def detach(self) -> None:
        """Stop recording and restore the client's own methods where nothing wrapped ours since."""
        global _active
        if _active is self:
            _active = None
        for name in (_SYNC, _ASYNC):
            method = _current(name)
            if getattr(method, _MARK, False):
                setattr(OpenFeatureClient, name, method.__wrapped__)
        error_hooks = getattr(client_module, _ERROR_HOOKS)
        if getattr(error_hooks, _MARK, False):
            setattr(client_module, _ERROR_HOOKS, error_hooks.__wrapped__)
            # Otherwise someone wrapped ours in turn: it stays in their chain, and with nothing active it only
            # passes calls through (and is taken over again by the next `attach`).


_active: ClientWrapper | None = None


def _current(name: str) -> Any:
    return inspect.getattr_static(OpenFeatureClient, name, None)


def _unwrapped(method: Any) -> Any:
    while getattr(method, _MARK, False):
        method = method.__wrapped__
    return method


def _is_ours_somewhere(method: Any) -> bool:
    seen = 0
    while method is not None and seen < 32:  # a chain of other libraries' wrappers, each exposing __wrapped__
        if getattr(method, _MARK, False):
            return True
        method = getattr(method, "__wrapped__", None)
        seen += 1
    return False


def _begin(recorder: Recorder, client: OpenFeatureClient, flag_key: str) -> MutableMapping[str, Any]:
    """Per-evaluation state for metrics, evaluation spans and vendor de-duplication, made before resolution."""
    data: dict[str, Any] = {}
    try:
        if recorder.start_is_recorded and client.get_provider_status() in _NOT_STARTED:
            # The SDK answers these itself, running no `before` stage: nothing starts, as with the hook.
            return data
        if _in_progress.tracking:
            data[IN_PROGRESS_KEY] = _in_progress.enter(flag_key)
        recorder.started(data)
    except Exception as error:
        report("ff_otel could not start an evaluation's record", error)
    return data


def _end(
    recorder: Recorder,
    client: OpenFeatureClient,
    details: Details,
    invocation: EvaluationContext | None,
    data: MutableMapping[str, Any] | None,
    destination: Span | Literal[True] | None,
) -> None:
    """Record an evaluation the client has answered; `destination` is where it belongs, from `destination()`."""
    try:
        if details.error_code is not None:
            # What the SDK handed its error stage (an exception raised by the provider or a hook), kept for
            # `deliver` as the hook's `error` stage keeps it.
            error = _raised.take()
            if error is not None:
                if data is None:
                    data = {}
                recorder.failed(data, error)
        if destination is not None and destination is not True and not destination.is_recording():
            # The span ended while the provider resolved (a task that outlived its request): where it belongs now.
            destination = recorder.destination()
        if destination is None and data is None and not (_impact.listening and recorder.measuring()):
            return
        if destination is not True and details.error_code is None:
            # A successful evaluation, on a span or only in the metrics: its outcome was most likely seen before.
            provider = client.provider
            known = recorder.known_again(
                details.flag_key, details.value, details.variant, details.reason, details.flag_metadata, provider
            )
            if known is None:  # first seen, or answered with other objects: found by value, then kept for next time
                known = recorder.known(
                    details.flag_key,
                    details.value,
                    details.variant,
                    details.reason,
                    details.flag_metadata,
                    _provider_name(provider),
                    provider,
                )
            if known is not None:
                targeting_key = None if destination is None else merged_targeting_key(client.context, invocation)
                recorder.deliver_known(destination, known, targeting_key, data)
                return
        recorder.deliver(destination, _evaluation(client, details, invocation), data)
    except Exception as error:
        report("ff_otel could not record a flag evaluation", error)
        if data is not None:  # not counted, so no longer under way either
            _abandon(recorder, data)


def _finish(
    recorder: Recorder,
    client: OpenFeatureClient,
    details: Details,
    invocation: EvaluationContext | None,
    data: MutableMapping[str, Any],
    in_flight: InFlight | None,
) -> None:
    """Record an evaluation that `started`: where it belongs is asked now that the provider has answered."""
    destination = recorder.where(False)  # `destination()`
    if (
        destination is None
        or destination is True
        or not recorder.again(client, details, invocation, destination, in_flight, data)
    ):
        _end(recorder, client, details, invocation, data, destination)


def _abandon(recorder: Recorder, data: MutableMapping[str, Any]) -> None:
    """An evaluation that raised out of the client: what `_begin` counted as under way is not any more."""
    try:
        recorder.abandoned(data)
    except Exception as error:
        report("ff_otel could not note an evaluation that gave no answer", error)


def _leave(data: MutableMapping[str, Any]) -> None:
    # The provider has answered: a vendor SDK it called may record its own evaluations again.
    token = data.pop(IN_PROGRESS_KEY, None)
    if token is not None:
        _in_progress.leave(token)


def _evaluation(client: OpenFeatureClient, details: Details, invocation: EvaluationContext | None) -> Evaluation:
    """What the hook's `finally_after` would see: the provider the client uses, the merged targeting key."""
    return evaluation_of_details(
        details, _provider_name(client.provider), merged_targeting_key(client.context, invocation)
    )


_provider_names: dict[int, tuple[object, str | None]] = {}
_MAX_PROVIDER_NAMES = 64


def _provider_name(provider: FeatureProvider) -> str | None:
    """The provider's metadata name as a string, asked once per provider object: a provider names itself for its
    lifetime, and asking builds a metadata object each time."""
    known = _provider_names.get(id(provider))
    if known is not None and known[0] is provider:
        return known[1]
    name = provider.get_metadata().name
    if name is not None and type(name) is not str:
        name = safe_str(name)
    if len(_provider_names) >= _MAX_PROVIDER_NAMES:
        _provider_names.clear()  # providers come and go in tests, not in production: start afresh
    _provider_names[id(provider)] = (provider, name)  # the provider kept, so its id is not reused meanwhile
    return name


class _Raised(threading.local):
    """The exception the SDK last handed its error stage in this thread, until the evaluation takes it.

    The SDK calls its error stage and returns from the evaluation with nothing awaited in between, so the
    evaluation that takes it (sync or async) is the one that raised it; one nested inside a provider takes its own
    before the outer one fails.
    """

    error: Exception | None = None

    def take(self) -> Exception | None:
        error, self.error = self.error, None
        return error


_raised = _Raised()


def _wrap_error_hooks(original: Callable[..., None]) -> Callable[..., None]:
    def error_hooks(flag_type: FlagType, exception: Exception, *args: Any, **kwargs: Any) -> None:
        if _active is not None:
            _raised.error = exception  # only on the error path: a normal evaluation never comes here
        original(flag_type, exception, *args, **kwargs)

    return _marked(error_hooks, original)


def _wrap_sync(original: _Sync) -> _Sync:
    def evaluate_flag_details(
        self: OpenFeatureClient,
        flag_type: FlagType,
        flag_key: str,
        default_value: FlagValueType,
        evaluation_context: EvaluationContext | None = None,
        flag_evaluation_options: FlagEvaluationOptions | None = None,
    ) -> Details:
        active = _active
        if active is None:
            return original(self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options)
        # The recorder of the app serving this request (options belong to the app that set them), else the process's.
        in_flight = IN_FLIGHT.get()
        recorder = active.recorder if in_flight is None or in_flight.recorder is None else in_flight.recorder
        where = False if _in_progress.tracking else recorder.where()
        if where is not False:
            # The common case, kept to the fewest calls: nothing is needed before the provider resolves, and where
            # the evaluation belongs is known before it (most evaluations in production are not sampled).
            details = original(self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options)
            if where is None:
                if details.error_code is not None or _impact.listening:
                    _end(recorder, self, details, evaluation_context, None, where)
            elif where is True or not recorder.again(self, details, evaluation_context, where, in_flight, None):
                _end(recorder, self, details, evaluation_context, None, where)
            return details
        data = _begin(recorder, self, flag_key)
        try:
            details = original(self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options)
        except BaseException:
            _abandon(recorder, data)
            raise
        finally:
            if IN_PROGRESS_KEY in data:  # only where `_begin` entered it
                _leave(data)
        _finish(recorder, self, details, evaluation_context, data, in_flight)
        return details

    return _marked(evaluate_flag_details, original)


def _wrap_async(original: _Async) -> _Async:
    async def evaluate_flag_details_async(
        self: OpenFeatureClient,
        flag_type: FlagType,
        flag_key: str,
        default_value: FlagValueType,
        evaluation_context: EvaluationContext | None = None,
        flag_evaluation_options: FlagEvaluationOptions | None = None,
    ) -> Details:
        active = _active
        if active is None:
            return await original(self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options)
        # The recorder of the app serving this request (options belong to the app that set them), else the process's.
        in_flight = IN_FLIGHT.get()
        recorder = active.recorder if in_flight is None or in_flight.recorder is None else in_flight.recorder
        where = False if _in_progress.tracking else recorder.where()
        if where is not False:
            details = await original(
                self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options
            )
            if where is None:
                if details.error_code is not None or _impact.listening:
                    _end(recorder, self, details, evaluation_context, None, where)
            elif where is True or not recorder.again(self, details, evaluation_context, where, in_flight, None):
                _end(recorder, self, details, evaluation_context, None, where)
            return details
        data = _begin(recorder, self, flag_key)
        try:
            details = await original(
                self, flag_type, flag_key, default_value, evaluation_context, flag_evaluation_options
            )
        except BaseException:  # a cancelled task, an interrupt: no answer to record
            _abandon(recorder, data)
            raise
        finally:
            if IN_PROGRESS_KEY in data:  # only where `_begin` entered it
                _leave(data)
        _finish(recorder, self, details, evaluation_context, data, in_flight)
        return details

    return _marked(evaluate_flag_details_async, original)


def _marked(wrapper: _F, original: Callable[..., Any]) -> _F:
    functools.update_wrapper(wrapper, original)  # name, doc and __wrapped__, as contrib's wrappers keep them
    setattr(wrapper, _MARK, True)
    return wrapper
