"""Settings of the Django app, as a project would write them; paths and keys come from the test's environment."""

from __future__ import annotations

import os

from tests.e2e.apps.settings import secret_key

SECRET_KEY = secret_key()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.e2e.apps.django_site.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "tests.e2e.apps.django_site.apps.ShopConfig",
    "ff_otel_django",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ff_otel_django.FeatureFlagMiddleware",
]
# Users live in a directory service and sessions in files: the app needs no database at all.
DATABASES: dict[str, dict[str, str]] = {}
AUTHENTICATION_BACKENDS = ["tests.e2e.apps.django_site.directory.DirectoryBackend"]
SESSION_ENGINE = "tests.e2e.apps.django_site.sessions"
SESSION_FILE_PATH = os.environ["E2E_SESSION_DIR"]
USE_TZ = True
FF_OTEL = {"context_builder": "tests.e2e.apps.callbacks.build_context"}
