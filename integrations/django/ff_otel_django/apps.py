"""The optional Django app: add "ff_otel_django" to INSTALLED_APPS to get its system checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class FeatureFlagsConfig(AppConfig):
    """Registers ff-otel's system checks (settings.FF_OTEL, the middleware's position)."""

    name = "ff_otel_django"
    verbose_name = "ff-otel"

    def ready(self) -> None:
        from ff_otel_django._checks import check_settings

        checks.register(check_settings, checks.Tags.compatibility)
