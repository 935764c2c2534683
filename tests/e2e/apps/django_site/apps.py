"""The Django app config: telemetry and flags are set up once per process, when Django is ready."""

from __future__ import annotations

from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "tests.e2e.apps.django_site"
    label = "e2e_shop"

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from tests.e2e.apps.echo import configure_echo
        from tests.e2e.apps.flags import configure_flags
        from tests.e2e.apps.telemetry import configure_telemetry

        # Users come from the directory, not the database: there is no last-login column to update.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        configure_telemetry("e2e-django")
        configure_flags()
        configure_echo()
