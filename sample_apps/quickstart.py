"""A framework-free look at ff-otel: flags evaluated in a span and outside one, printed to the console.

Run: ``python -m sample_apps.quickstart``
"""

from __future__ import annotations

from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

import ff_otel


def main() -> None:
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(ConsoleLogRecordExporter()))

    api.set_provider_and_wait(
        InMemoryProvider(
            {
                "new-checkout": InMemoryFlag("on", {"on": True, "off": False}),
                "banner-color": InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
            }
        )
    )
    ff_otel.install(logger_provider=logger_provider)
    client = api.get_client()

    # Outside any span: a `feature_flag.evaluation` log record.
    client.get_string_value("banner-color", "grey")

    # Inside a span: span events, with the context id of the bound targeting key.
    with (
        tracer_provider.get_tracer("quickstart").start_as_current_span("GET /checkout"),
        ff_otel.evaluation_context(targeting_key="user-42"),
    ):
        client.get_boolean_value("new-checkout", False)
        client.get_integer_value("missing-flag", 3)  # an error event: flag_not_found

    tracer_provider.shutdown()
    logger_provider.shutdown()


if __name__ == "__main__":
    main()
