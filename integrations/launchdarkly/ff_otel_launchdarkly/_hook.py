"""The LaunchDarkly hook that hands each evaluation to ff-otel's recorder."""

from __future__ import annotations

from typing import Any, Final

from ldclient.context import Context
from ldclient.evaluation import EvaluationDetail
from ldclient.hook import EvaluationSeriesContext, Hook, Metadata

import ff_otel
from ff_otel.integration import report, track_openfeature_evaluations
from ff_otel_launchdarkly._reasons import error_type_of, reason_of

PROVIDER_NAME: Final = "LaunchDarkly"
"""The `feature_flag.provider.name` recorded for LaunchDarkly evaluations."""

_SET_ID: Final = "flagSetId"


class LaunchDarklyHook(Hook):
    """Records every evaluation of the LaunchDarkly client it is registered with, after the SDK has evaluated it.

    The variation index is the variant (`"0"`, `"1"` ...; none when the default value was served), the reason's
    kind the reason, its error kind the error type, and the SDK's environment id the flag set id.

    Usage: ``ldclient.set_config(Config(sdk_key, hooks=[LaunchDarklyHook()]))``
    """

    def __init__(self, *, provider_name: str = PROVIDER_NAME) -> None:
        self.provider_name = provider_name
        track_openfeature_evaluations()  # so an evaluation through LaunchDarkly's OpenFeature provider is recorded once
        self.active = True
        """False after `uninstrument()`: the SDK offers no way to remove a hook, so the hook stands aside."""

    @property
    def metadata(self) -> Metadata:
        return Metadata(name="ff-otel")

    def before_evaluation(self, series_context: EvaluationSeriesContext, data: dict[Any, Any]) -> dict[Any, Any]:
        return data

    def after_evaluation(
        self, series_context: EvaluationSeriesContext, data: dict[Any, Any], detail: EvaluationDetail
    ) -> dict[Any, Any]:
        if self.active:
            try:
                self._record(series_context, detail)
            except Exception as error:  # the SDK would log it as an error on every evaluation
                report("ff_otel could not record a LaunchDarkly evaluation", error)
        return data

    def _record(self, series_context: EvaluationSeriesContext, detail: EvaluationDetail) -> None:
        reason = detail.reason
        index = detail.variation_index
        environment_id = getattr(series_context, "environment_id", None)  # SDK 9.10 and later
        ff_otel.record_evaluation(
            series_context.key,
            detail.value,
            variant=None if index is None else str(index),
            reason=reason_of(reason),
            provider_name=self.provider_name,
            error_type=error_type_of(reason),
            flag_metadata=None if environment_id is None else {_SET_ID: environment_id},
            targeting_key=_targeting_key(series_context.context),
        )


def _targeting_key(context: Context) -> str | None:
    # A multi-context has no key of its own: its user is who the flag was evaluated for, if it has one.
    if context.multiple:
        user = context.get_individual_context("user")
        context = user if user is not None else context
    return context.key or None
