"""Settings of the Django sample app. ``SAMPLE_DJANGO_DATABASE`` chooses the sqlite file."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

SECRET_KEY = os.environ.get("SAMPLE_APP_SECRET_KEY") or secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ff_otel_django",  # optional: its system check tells when the middleware sits in the wrong place
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ff_otel_django.FeatureFlagMiddleware",
]

FF_OTEL = {
    "persist_anonymous_id": True,  # anonymous visitors keep one id, so the 50/50 rollout stays put
    "context_builder": "sample_apps.django_app.flags.build_flag_context",
    "excluded_urls": "/healthz",
    "impact_flags": ["new-checkout"],  # sample_apps.common.flags.IMPACT_FLAG
}

ROOT_URLCONF = "sample_apps.django_app.urls"
WSGI_APPLICATION = "sample_apps.django_app.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": Path(
            os.environ.get("SAMPLE_DJANGO_DATABASE") or Path(tempfile.gettempdir()) / "ff-otel-django-sample.sqlite3"
        ),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/login"
USE_TZ = True
