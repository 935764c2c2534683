"""The Django app: add "ff_otel_django" to INSTALLED_APPS to record evaluations from start-up on, and get its checks."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from ff_otel.integration import activate


class FeatureFlagsConfig(AppConfig):
    """Installs ff-otel with `settings.FF_OTEL` when Django starts, and registers its system checks.

    Installing here, not only when the middleware chain is built at the first request, records evaluations made
    outside requests too: in the `ready()` of apps listed after this one, in management commands and in worker
    processes, which never build the middleware chain.
    """

    name = "ff_otel_django"
    verbose_name = "ff-otel"

    def ready(self) -> None:
        from ff_otel_django._checks import check_settings
        from ff_otel_django._settings import load_options

        checks.register(check_settings, checks.Tags.compatibility)
        try:
            options, _ = load_options()
        except ImproperlyConfigured:
            return  # the system check reports it, and the middleware raises it when it loads
        activate(options)
