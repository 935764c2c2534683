"""ff-otel for Django: one middleware that puts every flag evaluation of a request on its span.

Usage (settings.py): ``MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
"ff_otel_django.FeatureFlagMiddleware"]``; optionally ``FF_OTEL = {"context_builder": "myapp.flags.build"}`` and
``INSTALLED_APPS = [..., "ff_otel_django"]`` (recording from start-up on, and system checks of the middleware).
"""

from __future__ import annotations

try:
    import django  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError('ff_otel_django needs Django: pip install "ff-otel[django]"') from error

from ff_otel_django._middleware import FeatureFlagMiddleware

__all__ = ["FeatureFlagMiddleware"]
