"""How one evaluation maps onto the names of `_semconv`: the attributes of its event, log record or span.

`latest` follows the feature-flag semantic conventions v1.44 and Appendix D; `legacy` the pre-1.32 names; `both`
the union. Every value is made valid and bounded here (keys, variants, reasons, metadata), once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._context import bound_context_id
from ff_otel._evaluation import Evaluation, outcome
from ff_otel._identity import pseudonymize
from ff_otel._options import Options
from ff_otel._safe import report
from ff_otel._value_policy import ValuePolicy
from ff_otel._values import clean_text


class EvaluationAttributes:
    """Builds an evaluation's attributes for one set of options."""

    def __init__(self, options: Options) -> None:
        self._latest = options.semconv != "legacy"
        self._legacy = options.semconv != "latest"
        self._appendix_d = options.semconv == "both"
        self._max_length = options.max_value_length
        self._capture_auto = options.capture_value == "auto"
        self._capture_error_message = options.capture_error_message
        self._value_of = ValuePolicy(options)
        secret = options.secret_key
        self._context_id_of: Callable[[str], str] = _same
        if options.pseudonymize_context_id and secret:
            self._context_id_of = lru_cache(maxsize=4096)(lambda key: pseudonymize(key, secret))

    def __call__(self, evaluation: Evaluation) -> dict[str, AttributeValue]:
        """The attributes of `evaluation` in the configured semconv mode, every one valid and bounded."""
        limit = self._max_length
        key = clean_text(evaluation.key, limit)
        variant = evaluation.variant
        if variant is not None:
            variant = clean_text(variant, limit)
        provider_name = evaluation.provider_name
        if provider_name:
            provider_name = clean_text(provider_name, limit)
        attributes: dict[str, AttributeValue] = {semconv.KEY: key}
        # The value is recorded only when the policy asks for it; `auto` with a variant is the common case.
        value = None
        if variant is None or not self._capture_auto:
            value = self._value_of(evaluation.key, variant, evaluation.value)
        if self._latest:
            if variant is not None:
                attributes[semconv.RESULT_VARIANT] = variant
            if value is not None:
                attributes[semconv.RESULT_VALUE] = value
            reason, error_type = outcome(evaluation)
            attributes[semconv.RESULT_REASON] = clean_text(reason, limit)
            if provider_name:
                attributes[semconv.PROVIDER_NAME] = provider_name
            metadata = evaluation.flag_metadata
            context_id = None if metadata is None else self._metadata(metadata, attributes)
            if context_id is None:
                targeting_key = evaluation.targeting_key
                context_id = bound_context_id(targeting_key)
                if context_id is None and targeting_key is not None:
                    context_id = self._context_id_of(targeting_key)
            if context_id is not None:
                attributes[semconv.CONTEXT_ID] = clean_text(context_id, limit)
            if error_type is not None:
                attributes[semconv.ERROR_TYPE] = clean_text(error_type, limit)
                message = evaluation.error_message
                if message and self._capture_error_message:
                    message = clean_text(message, limit)
                    attributes[semconv.ERROR_MESSAGE] = message
                    if self._appendix_d:
                        attributes[semconv.APPENDIX_D_ERROR_MESSAGE] = message
        if self._legacy:
            if provider_name:
                attributes[semconv.LEGACY_PROVIDER_NAME] = provider_name
            # The older conventions put a stringified value where there is no variant.
            legacy_variant = variant if variant is not None else None if value is None else str(value)
            if legacy_variant is not None:
                attributes[semconv.LEGACY_VARIANT] = legacy_variant
        return attributes

    def _metadata(self, metadata: Mapping[str, Any], attributes: dict[str, AttributeValue]) -> str | None:
        """Put the flag set id and version on `attributes`; return the provider's context id, if it gave one."""
        limit = self._max_length
        try:
            set_id = metadata.get(semconv.METADATA_FLAG_SET_ID)
            version = metadata.get(semconv.METADATA_VERSION)
            context_id = metadata.get(semconv.METADATA_CONTEXT_ID)
        except Exception as error:  # a provider's odd metadata mapping: the event goes on without it
            report("ff_otel could not read a flag's metadata", error)
            return None
        if set_id is not None:
            attributes[semconv.SET_ID] = clean_text(set_id, limit)
        if version is not None:
            attributes[semconv.VERSION] = clean_text(version, limit)
        if context_id is None:
            return None
        # The provider's context id is an identifier like the targeting key: pseudonymized the same way.
        return self._context_id_of(clean_text(context_id, limit))


def _same(key: str) -> str:
    return key
