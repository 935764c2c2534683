"""Run: ``uvicorn tests.impact.apps.django_site.asgi:application``"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from tests.impact.apps.telemetry import configure_metrics
from tests.impact_app import use_checkout_flags

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.impact.apps.django_site.settings")
configure_metrics("impact-django-asgi")
use_checkout_flags()
application = get_asgi_application()
