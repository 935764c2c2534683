"""How one evaluation maps onto the names of `_semconv`: the attributes of its event, log record or span.

`latest` follows the feature-flag semantic conventions v1.44 and Appendix D; `legacy` the pre-1.32 names; `both`
the union. Every value is made valid and bounded here (keys, variants, reasons, metadata), once.

A flag evaluated again with the same outcome gets the same attributes, but for its context id: for successful
evaluations the attributes before and after the context id are kept per outcome (a bounded cache, only for plain
inputs that compare exactly), and each evaluation adds its own context id between them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from functools import lru_cache
from typing import Any

from openfeature import transaction_context
from openfeature.evaluation_context import EvaluationContext, get_evaluation_context
from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._context import _LAYER, PROPAGATOR, merged_targeting_key
from ff_otel._evaluation import Evaluation, outcome
from ff_otel._identity import pseudonymize
from ff_otel._options import Options
from ff_otel._safe import report
from ff_otel._value_policy import ValuePolicy
from ff_otel._values import clean_text, safe_str

_Attributes = dict[str, AttributeValue]
_Parts = tuple[_Attributes, _Attributes]
"""The attributes before the context id, and those after it."""

CACHE_SIZE = 1024
"""Outcomes kept per set of options; a full cache starts again empty, so odd input never grows it."""
_PLAIN = frozenset({str, bool, int, type(None)})
"""Values and metadata whose equal instances always record the same (with their type in the key: 1 is not True)."""


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
        # `redact` is the user's code, maybe not pure: a value that goes through it is never cached.
        self._redacts = options.redact is not None
        secret = options.secret_key
        self._context_id_of: Callable[[str], str] = _same
        if options.pseudonymize_context_id and secret:
            self._context_id_of = lru_cache(maxsize=4096)(lambda key: pseudonymize(key, secret))
        self._parts_of: dict[tuple[object, ...], _Parts] = {}
        self._last_context_id: tuple[tuple[object, ...], str | None] = ((), None)
        """The last context id answered for a targeting key without the provider's, with what it depended on."""

    def __call__(self, evaluation: Evaluation) -> _Attributes:
        """The attributes of `evaluation` in the configured semconv mode, every one valid and bounded."""
        latest = self._latest
        cache_key = self._cache_key(evaluation)
        parts = None
        if cache_key is not None:
            try:
                parts = self._parts_of.get(cache_key)
            except Exception:  # a reason whose hash or comparison raises: built as it is
                cache_key = None
        if parts is not None:
            head, tail = parts
            from_provider = self._provider_context_id(evaluation.flag_metadata) if latest else None
        else:
            head, tail, from_provider = self.parts(evaluation)
            if cache_key is not None:
                cache = self._parts_of
                if len(cache) >= CACHE_SIZE:
                    cache.clear()
                cache[cache_key] = head, tail
        attributes = dict(head)  # a new dict for every record: the span keeps it, shaping may replace it
        if latest:
            context_id = self.context_id(from_provider, evaluation.targeting_key)
            if context_id is not None:
                attributes[semconv.CONTEXT_ID] = context_id
        if tail:
            attributes.update(tail)
        return attributes

    def _cache_key(self, evaluation: Evaluation) -> tuple[object, ...] | None:
        """All that decides a successful evaluation's attributes but its context id; None if not cacheable."""
        if evaluation.error_code is not None:
            return None  # failures are rare, and their messages vary
        key, variant, reason = evaluation.key, evaluation.variant, evaluation.reason
        provider_name = evaluation.provider_name
        if not (
            type(key) is str
            and (variant is None or type(variant) is str)
            and (provider_name is None or type(provider_name) is str)
            and (reason is None or type(reason) is str or isinstance(reason, Enum))
        ):
            return None
        value: object = None
        if variant is None or not self._capture_auto:  # the value policy is consulted
            value = evaluation.value
            kind = type(value)
            if self._redacts or kind not in _PLAIN or (kind is str and len(value) > self._max_length):  # type: ignore[arg-type]
                return None
        set_id = version = None
        metadata = evaluation.flag_metadata
        if self._latest and metadata is not None:
            if type(metadata) is not dict:
                return None  # a mapping of the provider's own: read by `_metadata`, which reports its errors
            if metadata:
                set_id = metadata.get(semconv.METADATA_FLAG_SET_ID)
                version = metadata.get(semconv.METADATA_VERSION)
                if type(set_id) not in _PLAIN or type(version) not in _PLAIN:
                    return None
        return (
            key,
            variant,
            type(reason),
            reason,
            provider_name,
            type(value),
            value,
            type(set_id),
            set_id,
            type(version),
            version,
        )

    def parts(self, evaluation: Evaluation) -> tuple[_Attributes, _Attributes, str | None]:
        """The attributes before the context id, those after it, and the context id the provider gave."""
        limit = self._max_length
        key = clean_text(evaluation.key, limit)
        variant = evaluation.variant
        if variant is not None:
            variant = clean_text(variant, limit)
        provider_name = evaluation.provider_name
        if provider_name:
            provider_name = clean_text(provider_name, limit)
        head: _Attributes = {semconv.KEY: key}
        tail: _Attributes = {}
        from_provider = None
        # The value is recorded only when the policy asks for it; `auto` with a variant is the common case.
        value = None
        if variant is None or not self._capture_auto:
            value = self._value_of(evaluation.key, variant, evaluation.value)
        if self._latest:
            if variant is not None:
                head[semconv.RESULT_VARIANT] = variant
            if value is not None:
                head[semconv.RESULT_VALUE] = value
            reason, error_type = outcome(evaluation)
            head[semconv.RESULT_REASON] = clean_text(reason, limit)
            if provider_name:
                head[semconv.PROVIDER_NAME] = provider_name
            metadata = evaluation.flag_metadata
            if metadata is not None:
                from_provider = self._metadata(metadata, head)
            if error_type is not None:
                tail[semconv.ERROR_TYPE] = clean_text(error_type, limit)
                message = evaluation.error_message
                if message and self._capture_error_message:
                    message = clean_text(message, limit)
                    tail[semconv.ERROR_MESSAGE] = message
                    if self._appendix_d:
                        tail[semconv.APPENDIX_D_ERROR_MESSAGE] = message
        if self._legacy:
            if provider_name:
                tail[semconv.LEGACY_PROVIDER_NAME] = provider_name
            # The older conventions put a stringified value where there is no variant.
            legacy_variant = variant if variant is not None else None if value is None else safe_str(value)
            if legacy_variant is not None:
                tail[semconv.LEGACY_VARIANT] = legacy_variant
        return head, tail, from_provider

    def context_id(self, from_provider: str | None, targeting_key: str | None) -> str | None:
        """The provider's context id, else the one bound for the targeting key, else the key (pseudonymized)."""
        if from_provider is not None:
            return self._valid_context_id(from_provider)
        # What the answer depends on: the key, and the layer bound now with the parts of it that say the context
        # id (its explicit context, replaced on change, and its identity, whose version moves on change). A
        # request evaluates its flags for one context: the answer of the evaluation before is most often it.
        layer = _LAYER.get()
        if layer is None:
            state: tuple[object, ...] = (targeting_key,)
        else:
            identity = layer.identity
            state = (targeting_key, layer, layer.explicit, identity, None if identity is None else identity.version)
        last = self._last_context_id
        # Keys compared by value only as strings: 1, True and 1.0 are equal, and each records its own id.
        if (type(targeting_key) is str or targeting_key is None) and last[0] == state:
            return last[1]
        context_id = None if layer is None else layer.context_id(targeting_key)
        if context_id is not None:  # bound by the application itself, and pseudonymized like any other source
            answer = self._valid_context_id(
                context_id
                if self._context_id_of is _same
                else self._context_id_of(clean_text(context_id, self._max_length))
            )
        elif targeting_key is None:
            answer = None
        else:
            answer = self._valid_context_id(
                targeting_key if self._context_id_of is _same else self._context_id_of(targeting_key)
            )
        self._last_context_id = (state, answer)  # one tuple: a thread reading it sees a state and its own answer
        return answer

    def context_id_now(
        self, client_context: EvaluationContext | None, invocation: EvaluationContext | None
    ) -> str | None:
        """`context_id(None, merged_targeting_key(client_context, invocation))`: the context id of an evaluation
        just made. The common case, a key (or none) from ff-otel's layer and the global context, is answered in one
        step."""
        if (
            (invocation is None or not invocation.targeting_key)
            and (client_context is None or not client_context.targeting_key)
            and transaction_context._evaluation_transaction_context_propagator is PROPAGATOR
        ):
            layer = _LAYER.get()
            if layer is not None:
                # The SDK's merge: the transaction context's key where it is truthy, else the global context's.
                targeting_key = layer.evaluation_context().targeting_key or get_evaluation_context().targeting_key
                if targeting_key is None or type(targeting_key) is str:
                    identity = layer.identity
                    state = (
                        targeting_key,
                        layer,
                        layer.explicit,
                        identity,
                        None if identity is None else identity.version,
                    )
                    last = self._last_context_id
                    if last[0] == state:  # `context_id`'s own check, made without reading the layer twice
                        return last[1]
        return self.context_id(None, merged_targeting_key(client_context, invocation))

    def _valid_context_id(self, context_id: str) -> str:
        limit = self._max_length
        if type(context_id) is str and len(context_id) <= limit and context_id.isascii():
            return context_id  # `clean_text`'s own first check, without the call: one runs per recorded evaluation
        return clean_text(context_id, limit)

    def _provider_context_id(self, metadata: Mapping[str, Any] | None) -> str | None:
        """The context id in a cached outcome's metadata (a plain dict, or None), as `_metadata` gives it."""
        raw = metadata.get(semconv.METADATA_CONTEXT_ID) if metadata else None
        return None if raw is None else self._context_id_of(clean_text(raw, self._max_length))

    def _metadata(self, metadata: Mapping[str, Any], attributes: _Attributes) -> str | None:
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
