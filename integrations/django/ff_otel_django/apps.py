"""The Django app ("ff_otel_django" in INSTALLED_APPS): `settings.FF_OTEL` read, ff-otel installed, system checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ff_otel import Options
from ff_otel.integration import AdapterOptions, activate, resolve_dotted_paths, split_options

SETTING_NAME = "FF_OTEL"
"""The Django setting that holds ff-otel's options; callables and providers may be given as dotted paths."""
_SPAN_MIDDLEWARE = "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"


def load_options() -> tuple[Options, AdapterOptions]:
    """The core and adapter options from `settings.FF_OTEL` (`secret_key` defaults to `settings.SECRET_KEY`, which
    keys the pseudonymous session ids); a bad key or value raises ImproperlyConfigured."""
    raw = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"settings.{SETTING_NAME} must be a dict of options, not {type(raw).__name__}")
    try:
        return split_options(resolve_dotted_paths(raw), default_secret_key=settings.SECRET_KEY)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"settings.{SETTING_NAME}: {error}") from error


class FeatureFlagsConfig(AppConfig):
    """Installs ff-otel with `settings.FF_OTEL` when Django starts, and registers its system checks.

    Evaluations outside requests are then recorded too: in the `ready()` of later apps, management commands and
    worker processes, which never build the middleware chain.
    """

    name = "ff_otel_django"
    verbose_name = "ff-otel"

    def ready(self) -> None:
        checks.register(check_settings, checks.Tags.compatibility)
        try:
            options, _ = load_options()
        except ImproperlyConfigured:
            return  # the system check reports it, and the middleware raises it when it loads
        activate(options)


def check_settings(app_configs: Sequence[AppConfig] | None = None, **_: Any) -> list[checks.CheckMessage]:
    """`FF_OTEL` must be valid, and the middleware should run after sessions and authentication."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    from ff_otel_django._middleware import FeatureFlagMiddleware

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
            ahead = f"ff_otel_django.FeatureFlagMiddleware is listed before {required.__module__}.{required.__name__}."
            hint = "Flags evaluated by middleware listed between them miss the user (the view gets it); move ours."
            messages.append(checks.Warning(ahead, hint=hint, id="ff_otel_django.W001"))
    if _SPAN_MIDDLEWARE in settings.MIDDLEWARE[ours:]:
        behind = "OpenTelemetry's Django middleware is listed after ff_otel_django.FeatureFlagMiddleware."
        hint = "ff-otel then starts the server span itself and OpenTelemetry's becomes a child; list it first."
        messages.append(checks.Warning(behind, hint=hint, id="ff_otel_django.W002"))
    return messages


def _load(path: str) -> type | None:
    try:
        loaded = import_string(path)
    except ImportError:
        return None  # Django reports unimportable middleware itself
    return loaded if isinstance(loaded, type) else None


def _first(classes: list[type | None], wanted: type) -> int | None:
    return next((i for i, cls in enumerate(classes) if cls is not None and issubclass(cls, wanted)), None)
