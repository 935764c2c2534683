"""The entry point for flag systems that do not go through OpenFeature."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ff_otel._context import current_layer
from ff_otel._evaluation import Evaluation
from ff_otel._hook import recorder_now
from ff_otel._in_progress import under_openfeature
from ff_otel._install import current_installation
from ff_otel._safe import report


def record_evaluation(
    key: str,
    value: object,
    *,
    variant: str | None = None,
    reason: str | None = None,
    provider_name: str | None = None,
    error_type: str | None = None,
    error_message: str | None = None,
    flag_metadata: Mapping[str, Any] | None = None,
    targeting_key: str | None = None,
) -> None:
    """Record one evaluation from any flag system, exactly as ff-otel records OpenFeature's own.

    The targeting key defaults to the one bound by the current request or `evaluation_context` block.
    Does nothing until `ff_otel.install()` has been called, nor inside an OpenFeature evaluation of the same
    flag (a vendor SDK called by its OpenFeature provider), which ff-otel records already.

    Usage: ``ff_otel.record_evaluation("new-checkout", True, variant="on", reason="targeting_match")``
    """
    installation = current_installation()
    default = None if installation is None else installation.recorder
    if default is None or under_openfeature(key):
        return
    try:
        if targeting_key is None:
            layer = current_layer()
            targeting_key = None if layer is None else layer.evaluation_context().targeting_key
        evaluation = Evaluation(
            key,
            value,
            variant,
            reason,
            error_type,
            error_message,
            flag_metadata if isinstance(flag_metadata, Mapping) else None,
            provider_name,
            targeting_key,
        )
        recorder_now(default).record(evaluation)
    except Exception as error:
        report("ff_otel could not record a flag evaluation", error)
