"""A Django project that evaluates flags outside any request: in an app's `ready()` and in a management command.

The OpenTelemetry SDK and the OpenFeature provider are set up here, where a Django project configures them, with an
in-memory log exporter that the `evaluate_flags` command prints from.
"""

from __future__ import annotations

from openfeature import api
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from opentelemetry import _logs
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

SECRET_KEY = "ff-otel-startup-tests-not-a-real-secret"
USE_TZ = True
DATABASES: dict[str, object] = {}
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "ff_otel_django",  # listed before the apps whose ready() evaluates flags
    "tests.django.startup_site",
]
FF_OTEL = {"semconv": "latest"}

LOG_EXPORTER = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
_provider = LoggerProvider()
_provider.add_log_record_processor(SimpleLogRecordProcessor(LOG_EXPORTER))
_logs.set_logger_provider(_provider)

api.set_provider_and_wait(
    InMemoryProvider(
        {
            "startup-flag": InMemoryFlag("on", {"on": True, "off": False}),
            "command-flag": InMemoryFlag("off", {"on": True, "off": False}),
        }
    )
)
