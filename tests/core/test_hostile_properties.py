"""Whatever a provider returns, the application gets it unchanged and the trace gets one valid event for it."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openfeature import api
from openfeature.flag_evaluation import FlagResolutionDetails
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

import ff_otel
from tests.conftest import Telemetry
from tests.core.test_hostile_provider_output import HostileProvider

_text = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40) | st.sampled_from(
    ["\ud800", "a\udfffb", "TARGETING_MATCH", "", " ", "x" * 5000]
)
_scalars = st.none() | st.booleans() | st.integers() | st.floats() | _text | st.binary(max_size=20)
_anything = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_text, inner, max_size=4)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=_text.filter(bool),
    value=_anything,
    variant=st.none() | _text | st.integers(),
    reason=st.none() | _text | st.integers() | st.lists(_text, max_size=2),
    metadata=st.none() | st.dictionaries(st.sampled_from(["flagSetId", "version", "contextId", "other"]), _anything),
    targeting_key=st.none() | _text,
)
def test_any_provider_output_gives_the_value_unchanged_and_one_encodable_event(
    telemetry: Telemetry,
    key: str,
    value: Any,
    variant: Any,
    reason: Any,
    metadata: Any,
    targeting_key: str | None,
) -> None:
    telemetry.clear()
    provider = HostileProvider(
        {key: FlagResolutionDetails(value, variant=variant, reason=reason, flag_metadata=metadata)}
    )
    api.set_provider_and_wait(provider)
    ff_otel.install(capture_value="always", max_value_length=64)

    with telemetry.tracer.start_as_current_span("request"), ff_otel.evaluation_context(targeting_key):
        returned = api.get_client().get_object_details(key, {"default": True})

    assert returned.value is value or returned.value == {"default": True}  # the SDK's own type check may say no
    (span,) = telemetry.spans()
    assert len(span.events) == 1
    (otlp,) = encode_spans([span]).resource_spans[0].scope_spans[0].spans
    (event,) = otlp.events
    exported = {kv.key for kv in event.attributes}
    assert "feature_flag.key" in exported  # the encoder kept every attribute it was given
    assert len(exported) == len(span.events[0].attributes or {})
    for kv in event.attributes:
        text = kv.value.string_value
        assert len(text) <= 64
        text.encode("utf-8")
