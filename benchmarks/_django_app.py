"""The Django project of the per-request and memory benchmarks: one view, and each case's settings.

Under pytest-django the settings module of the ini file is already configured; standalone, a minimal one is.
Each case overrides only what it needs (URLs, middleware, `FF_OTEL`) for its lifetime.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, JsonResponse
from django.test.utils import override_settings
from django.urls import path
from opentelemetry.instrumentation.django import DjangoInstrumentor

from benchmarks._callers import wsgi_sender
from benchmarks._flags import evaluate_flags
from benchmarks._requests import (
    HOOK_POINTS,
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
DO_NOTHING = f"{__name__}.DoNothingMiddleware"

# The request-signal receivers a case may connect, by `dispatch_uid`: ff-otel's middleware connects its two for the
# process's life, so they are disconnected after each case, or every case after the first would pay for them.
_RECEIVERS = (
    (request_started, "ff_otel.start_request_context"),
    (request_finished, "ff_otel.end_request_context"),
    (request_started, "benchmarks.do_nothing"),
    (request_finished, "benchmarks.do_nothing"),
)


class DoNothingMiddleware:
    """Hooks in where ff-otel's middleware does (the call, `process_view`, both request signals), doing nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        request_started.connect(_do_nothing, dispatch_uid="benchmarks.do_nothing")
        request_finished.connect(_do_nothing, dispatch_uid="benchmarks.do_nothing")

    def __call__(self, request: HttpRequest) -> Any:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view: Callable[..., object], *_: object) -> None:
        return None


def _do_nothing(**_: object) -> None:
    return None


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
    if case == HOOK_POINTS:
        middleware = [*BASE_MIDDLEWARE, DO_NOTHING]
    connected = len(request_started.receivers), len(request_finished.receivers)
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
            for signal, dispatch_uid in _RECEIVERS:
                signal.disconnect(dispatch_uid=dispatch_uid)
            left = len(request_started.receivers), len(request_finished.receivers)
            assert left == connected, f"{case} left request-signal receivers connected: {left} after {connected}"
