"""The checkout as a Django project: the middleware, with the impact flag listed in `FF_OTEL`."""

from __future__ import annotations

SECRET_KEY = "ff-otel-impact-tests-not-a-real-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
ROOT_URLCONF = "tests.impact.apps.django_site.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE = ["ff_otel_django.FeatureFlagMiddleware"]
DATABASES: dict[str, object] = {}
FF_OTEL = {"impact_flags": ["checkout-v2"], "context_builder": "tests.impact_app.cohort_context"}
