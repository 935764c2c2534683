"""The WSGI application of the Django sample app (for runserver, gunicorn and the like)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_apps.django_app.settings")

application = get_wsgi_application()
