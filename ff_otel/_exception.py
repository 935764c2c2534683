"""An exception raised during an evaluation, as OpenTelemetry's general conventions record exceptions."""

from __future__ import annotations

import traceback

from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._values import truncate


def was_raised(error: BaseException) -> bool:
    """True for an exception that was raised, not one the OpenFeature SDK made up from a returned error code.

    The SDK hands its `error` stage an exception in both cases; only a raised one carries a traceback.
    """
    return error.__traceback__ is not None


def exception_attributes(error: BaseException, limit: int, with_message: bool = True) -> dict[str, AttributeValue]:
    """`exception.type`, `exception.message` (cut to `limit`) and `exception.stacktrace` of `error`.

    Without `with_message` only the type: the stack trace ends with the message too.
    """
    kind = type(error)
    module = kind.__module__
    attributes: dict[str, AttributeValue] = {
        semconv.EXCEPTION_TYPE: kind.__qualname__ if module in (None, "builtins") else f"{module}.{kind.__qualname__}",
    }
    if not with_message:
        return attributes
    message = _message(error)
    if message:
        attributes[semconv.EXCEPTION_MESSAGE] = truncate(message, limit)
    attributes[semconv.EXCEPTION_STACKTRACE] = truncate("".join(traceback.format_exception(error)), 64 * limit)
    return attributes


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:  # an exception whose __str__ raises still has a type worth recording
        return ""
