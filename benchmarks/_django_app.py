"""The Django project of the per-request and memory benchmarks: one view, and each case's settings.

Under pytest-django the settings module of the ini file is already configured; standalone, a minimal one is.
Each case overrides only what it needs (URLs, middleware, `FF_OTEL`) for its lifetime.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.http import HttpRequest, JsonResponse
from django.test.utils import override_settings
from django.urls import path
from opentelemetry.instrumentation.django import DjangoInstrumentor

from benchmarks._callers import wsgi_sender
from benchmarks._flags import evaluate_flags
from benchmarks._requests import (
    NO_FLAGS_PATH,
    PATH,
    Send,
    Traces,
    adapter_options,
    add_hooks,
    instrumented,
    uses_adapter,
)

if not settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
    settings.configure(
        SECRET_KEY="ff-otel-benchmarks-not-a-real-secret",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        USE_TZ=True,
    )
django.setup()

BASE_MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ADAPTER = "ff_otel_django.FeatureFlagMiddleware"


def flags(request: HttpRequest) -> JsonResponse:
    """The benchmark endpoint (it never reads `request.user`)."""
    return JsonResponse(evaluate_flags())


def no_flags(request: HttpRequest) -> JsonResponse:
    """An endpoint that evaluates no flag."""
    return JsonResponse({})


urlpatterns = [path(PATH.lstrip("/"), flags), path(NO_FLAGS_PATH.lstrip("/"), no_flags)]


def logged_in_cookie() -> str:
    """The session cookie of a real logged-in user (tables made on first use in the benchmark's database)."""
    from django.contrib.auth.models import User  # needs the app registry, ready only after django.setup()
    from django.test import Client

    call_command("migrate", run_syncdb=True, verbosity=0)
    user, _ = User.objects.get_or_create(username="ada")
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@contextlib.contextmanager
def django_sender(case: str, traces: Traces, path: str = PATH, cookie: str | None = None) -> Iterator[Send]:
    """A Django WSGI handler set up as `case` says, and a sender of its `GET path` (with `cookie`, if given)."""
    middleware = [*BASE_MIDDLEWARE, ADAPTER] if uses_adapter(case) else BASE_MIDDLEWARE
    with override_settings(
        ROOT_URLCONF=__name__,
        MIDDLEWARE=middleware,
        ALLOWED_HOSTS=["127.0.0.1"],
        DEBUG=False,
        FF_OTEL=adapter_options(case, traces),
    ):
        instrumentor = DjangoInstrumentor()
        if instrumented(case):
            # Inserts OpenTelemetry's middleware first in MIDDLEWARE, as in an instrumented project.
            instrumentor.instrument(tracer_provider=traces.tracer_provider)
        try:
            handler = WSGIHandler()  # builds the middleware chain from the settings in force now
            add_hooks(case, traces)
            yield wsgi_sender(handler, path, cookie)
        finally:
            if instrumented(case):
                instrumentor.uninstrument()
