"""The optional system checks: a bad FF_OTEL is an error, a misplaced middleware a warning."""

from __future__ import annotations

import pytest
from django.core import checks

from tests.django.conftest import DjangoSettings

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
AUTH = "django.contrib.auth.middleware.AuthenticationMiddleware"
OURS = "ff_otel_django.FeatureFlagMiddleware"
OTEL = "opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware"


def ids() -> list[str]:
    return sorted(message.id or "" for message in checks.run_checks() if (message.id or "").startswith("ff_otel"))


def test_the_recommended_order_passes(settings: DjangoSettings) -> None:
    settings.MIDDLEWARE = [OTEL, SESSIONS, AUTH, OURS]
    assert ids() == []


@pytest.mark.parametrize(
    ("middleware", "expected"),
    [
        ([SESSIONS, OURS, AUTH], ["ff_otel_django.W001"]),
        ([OURS, SESSIONS, AUTH], ["ff_otel_django.W001", "ff_otel_django.W001"]),
        ([SESSIONS, AUTH, OURS, OTEL], ["ff_otel_django.W002"]),
        ([SESSIONS, AUTH], []),
    ],
)
def test_a_misplaced_middleware_is_a_warning(
    settings: DjangoSettings, middleware: list[str], expected: list[str]
) -> None:
    settings.MIDDLEWARE = middleware
    assert ids() == expected
    assert all(message.level == checks.WARNING for message in checks.run_checks() if message.id in expected)


@pytest.mark.parametrize(
    ("value", "named"), [({"colour": "blue"}, "'colour'"), ({"excluded_urls": "healthz,["}, "'excluded_urls'")]
)
def test_a_bad_ff_otel_setting_is_an_error(settings: DjangoSettings, value: dict[str, str], named: str) -> None:
    settings.FF_OTEL = value
    (error,) = [message for message in checks.run_checks() if message.id == "ff_otel_django.E001"]
    assert error.level == checks.ERROR
    assert named in error.msg
