"""Run: ``gunicorn tests.impact.apps.django_site.wsgi:application``"""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from tests.impact.apps.telemetry import configure_metrics
from tests.impact_app import use_checkout_flags

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.impact.apps.django_site.settings")
configure_metrics("impact-django")
use_checkout_flags()
application = get_wsgi_application()
