"""One evaluation as a span of its own: started before the provider resolves, ended once it has.

The span is a child of the current span but is never made current itself: ff-otel does not attach contexts
it would have to detach from another stage of the evaluation, so a provider's own spans stay children of the
request's span.
"""

from __future__ import annotations

from opentelemetry import context as otel_context
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode, TracerProvider, get_tracer
from opentelemetry.trace.propagation import _SPAN_KEY
from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._version import __version__


class EvaluationSpans:
    """Starts and ends evaluation spans with one tracer."""

    __slots__ = ("_tracer",)

    def __init__(self, tracer_provider: TracerProvider | None) -> None:
        self._tracer = get_tracer("ff_otel", __version__, tracer_provider=tracer_provider)

    def start(self) -> Span | None:
        """A started evaluation span under the current span, or None when that span does not record."""
        context = otel_context.get_current()
        parent: Span | None = context.get(_SPAN_KEY)  # type: ignore[assignment]
        if parent is None or parent is INVALID_SPAN or not parent.is_recording():
            return None  # unsampled, or no span to be a child of: no span for the evaluation either
        span = self._tracer.start_span(semconv.EVALUATION_SPAN, context, kind=SpanKind.INTERNAL)
        return span if span.is_recording() else None


def finish(span: Span, attributes: dict[str, AttributeValue], error_type: str | None) -> None:
    """Give `span` the evaluation's attributes and outcome, and end it."""
    span.set_attributes(attributes)
    if error_type is not None:
        span.set_status(Status(StatusCode.ERROR, error_type))
    span.end()
