"""An app that reads a flag while Django starts, as apps do to register optional features."""

from __future__ import annotations

from django.apps import AppConfig
from openfeature import api


class StartupSiteConfig(AppConfig):
    name = "tests.django.startup_site"
    label = "startup_site"

    def ready(self) -> None:
        api.get_client().get_boolean_value("startup-flag", False)
