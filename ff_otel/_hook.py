"""The OpenFeature hook that hands every evaluation to the recorder.

ff-otel records through `ClientWrapper` where it knows the SDK's evaluation path; this hook is the fallback for
an SDK it does not know, and records exactly the same telemetry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openfeature import hook as of_hooks
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagEvaluationDetails, FlagValueType
from openfeature.hook import Hook, HookContext, HookHints

from ff_otel import _in_progress
from ff_otel._evaluation import Evaluation
from ff_otel._recorder import Recorder
from ff_otel._request_state import IN_FLIGHT
from ff_otel._safe import report
from ff_otel._values import safe_str

IN_PROGRESS_KEY = "ff_otel.in_progress"


class FeatureFlagHook(Hook):
    """Records each evaluation in `finally_after`, so errors are seen and the flag's value can never change."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def recorder_now(self) -> Recorder:
        """The recorder for an evaluation made now: the one of the app serving the request, else the process's."""
        return recorder_now(self.recorder)

    def before(self, hook_context: HookContext, hints: HookHints) -> EvaluationContext | None:
        # Only metrics and vendor de-duplication need this stage; without them it must cost nothing.
        recorder = self.recorder_now()
        if _in_progress.tracking or recorder.timing:
            try:
                if _in_progress.tracking:
                    hook_context.hook_data[IN_PROGRESS_KEY] = _in_progress.enter(hook_context.flag_key)
                recorder.started(hook_context.hook_data)
            except Exception as error:  # an exception here would turn the evaluation into an error
                report("ff_otel could not start an evaluation's record", error)
        return None

    def error(self, hook_context: HookContext, exception: Exception, hints: HookHints) -> None:
        # Only called when an evaluation fails: the exception is kept for `finally_after` to record.
        try:
            self.recorder_now().failed(hook_context.hook_data, exception)
        except Exception as error:
            report("ff_otel could not note an evaluation's exception", error)

    def finally_after(
        self,
        hook_context: HookContext,
        details: FlagEvaluationDetails[FlagValueType],
        hints: HookHints,
    ) -> None:
        try:
            recorder = self.recorder_now()
            # Check first, build second: most evaluations in production are not sampled.
            destination = recorder.destination()
            if destination is not None or recorder.measuring():
                recorder.deliver(destination, evaluation_of(hook_context, details), hook_context.hook_data)
        except Exception as error:
            report("ff_otel could not record a flag evaluation", error)
            try:
                self.recorder_now().abandoned(hook_context.hook_data)  # not counted, so no longer under way either
            except Exception as failure:
                report("ff_otel could not note an evaluation that gave no answer", failure)
        finally:
            if _in_progress.tracking:
                _in_progress.leave(hook_context.hook_data.get(IN_PROGRESS_KEY))


def remove_hook(hook: Hook) -> None:
    """Take `hook` out of OpenFeature's global hooks in one step, leaving the others in their order."""
    remaining = [other for other in of_hooks.get_hooks() if other is not hook]
    if isinstance(getattr(of_hooks, "_hooks", None), list):
        # One assignment, as the SDK's own add_hooks does: concurrent evaluations never see a list without the
        # application's hooks.
        of_hooks._hooks = remaining
    else:  # an SDK that keeps its hooks elsewhere
        of_hooks.clear_hooks()
        of_hooks.add_hooks(remaining)


def recorder_now(default: Recorder) -> Recorder:
    """The recorder for an evaluation made now: the one of the app serving the request, else `default`."""
    in_flight = IN_FLIGHT.get()
    if in_flight is None or in_flight.recorder is None:
        return default
    return in_flight.recorder


def evaluation_of(hook_context: HookContext, details: FlagEvaluationDetails[Any]) -> Evaluation:
    """The evaluation that OpenFeature resolved, as the hook sees it."""
    provider = hook_context.provider_metadata
    return evaluation_of_details(
        details, None if provider is None else provider.name, hook_context.evaluation_context.targeting_key
    )


def evaluation_of_details(
    details: FlagEvaluationDetails[Any], provider_name: object, targeting_key: object
) -> Evaluation:
    """The evaluation in `details`, with odd provider output made safe to record (shared by both paths)."""
    metadata = details.flag_metadata
    variant = details.variant
    # Inline type checks: this runs once per evaluation, and strings are by far the common case.
    return Evaluation(
        details.flag_key,
        details.value,
        variant if variant is None or type(variant) is str else safe_str(variant),
        details.reason,
        details.error_code,
        details.error_message,
        metadata if type(metadata) is dict or isinstance(metadata, Mapping) else None,
        provider_name if provider_name is None or type(provider_name) is str else safe_str(provider_name),
        targeting_key if targeting_key is None or type(targeting_key) is str else safe_str(targeting_key),
    )
