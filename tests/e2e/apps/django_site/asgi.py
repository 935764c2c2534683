"""ASGI entry point: `uvicorn tests.e2e.apps.django_site.asgi:application`."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from tests.e2e.apps.flags import evaluate_at_startup

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.e2e.apps.django_site.settings")
application = get_asgi_application()  # loads the middleware, which installs ff-otel
evaluate_at_startup()
