"""Django settings get the middleware after authentication when they load, once, with the environment's options."""

from __future__ import annotations

import pytest
from django.conf import LazySettings, settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse
from django.test import override_settings

from ff_otel_django import FeatureFlagMiddleware
from ff_otel_instrument import FeatureFlagInstrumentor
from ff_otel_instrument._django import MIDDLEWARE_PATH
from ff_otel_instrument._django_middleware import AutoFeatureFlagMiddleware
from tests.django import project  # noqa: F401  (the settings these tests override)

SESSIONS = "django.contrib.sessions.middleware.SessionMiddleware"
AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
COMMON = "django.middleware.common.CommonMiddleware"


class CustomFeatureFlagMiddleware(FeatureFlagMiddleware):
    """An application's own subclass, listed by hand."""


@pytest.fixture
def instrumented(instrumentor: FeatureFlagInstrumentor) -> FeatureFlagInstrumentor:
    instrumentor.instrument()
    return instrumentor


def _configured(**values: object) -> LazySettings:
    fresh = LazySettings()
    fresh.configure(**values)
    return fresh


@pytest.mark.usefixtures("instrumented")
@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        ([SESSIONS, AUTHENTICATION, COMMON], [SESSIONS, AUTHENTICATION, MIDDLEWARE_PATH, COMMON]),
        ((COMMON, SESSIONS), (COMMON, SESSIONS, MIDDLEWARE_PATH)),
        ([COMMON], [COMMON, MIDDLEWARE_PATH]),
        (
            [AUTHENTICATION, "ff_otel_django.FeatureFlagMiddleware"],
            [AUTHENTICATION, "ff_otel_django.FeatureFlagMiddleware"],
        ),
    ],
    ids=["after-authentication", "after-sessions-tuple", "at-the-end", "listed-by-hand"],
)
def test_the_middleware_is_listed_after_authentication_when_settings_load(listed: object, expected: object) -> None:
    loaded = _configured(MIDDLEWARE=listed)
    assert expected == loaded.MIDDLEWARE


def test_options_from_the_environment_go_under_the_settings_own(
    instrumentor: FeatureFlagInstrumentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_SEMCONV", "legacy")
    monkeypatch.setenv("OTEL_PYTHON_FF_OTEL_SUMMARY", "false")
    instrumentor.instrument()
    configured = _configured(MIDDLEWARE=[AUTHENTICATION], FF_OTEL={"semconv": "both"})
    assert configured.FF_OTEL == {"semconv": "both", "summary": False}


def test_settings_loaded_already_get_it_at_once_and_get_it_back_at_uninstrument(
    instrumentor: FeatureFlagInstrumentor,
) -> None:
    with override_settings(MIDDLEWARE=[SESSIONS, AUTHENTICATION]):
        settings_options = getattr(settings, "FF_OTEL", None)
        instrumentor.instrument()
        assert settings.MIDDLEWARE == [SESSIONS, AUTHENTICATION, MIDDLEWARE_PATH]
        instrumentor.uninstrument()
        assert settings.MIDDLEWARE == [SESSIONS, AUTHENTICATION]
        assert getattr(settings, "FF_OTEL", None) == settings_options
    assert MIDDLEWARE_PATH not in _configured(MIDDLEWARE=[AUTHENTICATION]).MIDDLEWARE


def _view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_the_automatic_middleware_steps_aside_for_a_subclass_listed_by_hand() -> None:
    custom = f"{__name__}.CustomFeatureFlagMiddleware"
    with override_settings(MIDDLEWARE=[AUTHENTICATION, custom, MIDDLEWARE_PATH]), pytest.raises(MiddlewareNotUsed):
        AutoFeatureFlagMiddleware(_view)
    with override_settings(MIDDLEWARE=[AUTHENTICATION, MIDDLEWARE_PATH]):
        assert isinstance(AutoFeatureFlagMiddleware(_view), FeatureFlagMiddleware)
