"""System checks: ff-otel's settings, and where its middleware sits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ff_otel_django._middleware import FeatureFlagMiddleware
from ff_otel_django._settings import SETTING_NAME, load_options

_SPAN_MIDDLEWARE = "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"


def check_settings(app_configs: Sequence[AppConfig] | None = None, **_: Any) -> list[checks.CheckMessage]:
    """`FF_OTEL` must be valid, and the middleware should run after sessions and authentication."""
    messages: list[checks.CheckMessage] = []
    try:
        load_options()
    except ImproperlyConfigured as error:
        messages.append(checks.Error(str(error), hint=f"Fix settings.{SETTING_NAME}.", id="ff_otel_django.E001"))
    classes = [_load(path) for path in settings.MIDDLEWARE]
    ours = _first(classes, FeatureFlagMiddleware)
    if ours is None:
        return messages
    for required in (SessionMiddleware, AuthenticationMiddleware):
        position = _first(classes, required)
        if position is not None and position > ours:
            messages.append(
                checks.Warning(
                    f"ff_otel_django.FeatureFlagMiddleware is listed before {required.__module__}.{required.__name__}.",
                    hint="Flags evaluated by middleware listed between them see an anonymous visitor; "
                    "list FeatureFlagMiddleware after it.",
                    id="ff_otel_django.W001",
                )
            )
    if _SPAN_MIDDLEWARE in settings.MIDDLEWARE[ours:]:
        messages.append(
            checks.Warning(
                "OpenTelemetry's Django middleware is listed after ff_otel_django.FeatureFlagMiddleware.",
                hint="ff-otel then starts the server span itself and OpenTelemetry's becomes a child; "
                "leave DjangoInstrumentor's default position (first).",
                id="ff_otel_django.W002",
            )
        )
    return messages


def _load(path: str) -> type | None:
    try:
        loaded = import_string(path)
    except ImportError:
        return None  # Django reports unimportable middleware itself
    return loaded if isinstance(loaded, type) else None


def _first(classes: list[type | None], wanted: type) -> int | None:
    return next((i for i, cls in enumerate(classes) if cls is not None and issubclass(cls, wanted)), None)
