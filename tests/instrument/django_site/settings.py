"""Settings of a Django site that knows nothing of ff-otel; `opentelemetry-instrument` adds its middleware."""

from __future__ import annotations

SECRET_KEY = "django-site-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.instrument.django_site.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "tests.instrument.django_site",  # its `runserver` serves on the socket the test hands over
]
DATABASES: dict[str, object] = {}
# Signed-cookie sessions: no database needed to serve anonymous requests.
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tests.instrument.django_site.views.HeaderUserMiddleware",
]
USE_TZ = True
