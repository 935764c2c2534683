"""ASGI entry point of the test project (uvicorn)."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django.settings")

from django.core.asgi import get_asgi_application

from tests.django.child_setup import configure_from_environment

configure_from_environment()
application = get_asgi_application()
