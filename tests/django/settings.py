"""A small real Django project for ff_otel_django's tests: sqlite, auth, sessions."""

from __future__ import annotations

import os
import tempfile

SECRET_KEY = "ff-otel-django-tests-not-a-real-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "tests.django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "ff_otel_django",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ff_otel_django.FeatureFlagMiddleware",
]

FF_OTEL: dict[str, object] = {}

# A file, not memory: the real servers the tests start in child processes read the same database.
# The test process's id keeps concurrent test runs apart; the servers are told the path through FF_OTEL_DJANGO_DB.
_TEST_DATABASE = os.path.join(tempfile.gettempdir(), f"ff_otel_django_tests_{os.getpid()}.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("FF_OTEL_DJANGO_DB", _TEST_DATABASE),
        "TEST": {"NAME": _TEST_DATABASE},
    }
}
