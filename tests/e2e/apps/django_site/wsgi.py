"""WSGI entry point: `gunicorn tests.e2e.apps.django_site.wsgi:application`."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from tests.e2e.apps.flags import evaluate_at_startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.e2e.apps.django_site.settings")
application = get_wsgi_application()  # loads the middleware, which installs ff-otel
evaluate_at_startup()
