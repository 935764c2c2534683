"""The OpenFeature hook that hands every evaluation to the recorder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagEvaluationDetails, FlagValueType
from openfeature.hook import Hook, HookContext, HookHints

from ff_otel._recorder import Evaluation, Recorder
from ff_otel._safe import report


class FeatureFlagHook(Hook):
    """Records each evaluation in `finally_after`, so errors are seen and the flag's value can never change."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def before(self, hook_context: HookContext, hints: HookHints) -> EvaluationContext | None:
        try:
            self.recorder.started(hook_context.hook_data)
        except Exception as error:  # an exception here would turn the evaluation into an error
            report("ff_otel could not start timing a flag evaluation", error)
        return None

    def finally_after(
        self,
        hook_context: HookContext,
        details: FlagEvaluationDetails[FlagValueType],
        hints: HookHints,
    ) -> None:
        try:
            self.recorder.record(evaluation_of(hook_context, details), hook_context.hook_data)
        except Exception as error:
            report("ff_otel could not record a flag evaluation", error)


def evaluation_of(hook_context: HookContext, details: FlagEvaluationDetails[Any]) -> Evaluation:
    """The evaluation that OpenFeature resolved, with odd provider output made safe to record."""
    provider = hook_context.provider_metadata
    metadata = details.flag_metadata
    variant = details.variant
    return Evaluation(
        details.flag_key,
        details.value,
        variant if variant is None or isinstance(variant, str) else str(variant),
        details.reason,
        details.error_code,
        details.error_message,
        metadata if isinstance(metadata, Mapping) else None,
        None if provider is None else _text(provider.name),
        _text(hook_context.evaluation_context.targeting_key),
    )


def _text(value: object) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)
