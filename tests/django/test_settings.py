"""settings.FF_OTEL: read once when the middleware loads, which installs ff-otel; mistakes fail start-up."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

import ff_otel
from ff_otel_django import FeatureFlagMiddleware
from tests.django.conftest import DjangoSettings


def respond(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def test_loading_the_middleware_installs_ff_otel_with_the_settings_options(settings: DjangoSettings) -> None:
    settings.FF_OTEL = {
        "semconv": "both",
        "excluded_urls": "healthz",
        "redact": "tests.django.failing_parts.broken_context",
    }
    assert ff_otel.current_installation() is None

    middleware = FeatureFlagMiddleware(respond)

    installation = ff_otel.current_installation()
    assert installation is not None
    assert installation.active
    assert installation.options.semconv == "both"
    assert installation.options.redact is not None
    assert installation.options.redact.__name__ == "broken_context"
    assert installation.options.secret_key == settings.SECRET_KEY
    assert middleware.options.excluded_urls == "healthz"


def test_a_secret_key_in_ff_otel_wins_over_the_sites(settings: DjangoSettings) -> None:
    settings.FF_OTEL = {"secret_key": "flags-only"}

    FeatureFlagMiddleware(respond)

    installation = ff_otel.current_installation()
    assert installation is not None
    assert installation.options.secret_key == "flags-only"


@pytest.mark.parametrize(
    ("value", "named"),
    [
        ({"semconv": "latest", "sem_conv": "both"}, "'sem_conv'"),
        ({"semconv": "newest"}, "'semconv'"),
        ({"max_summary_flags": -1}, "'max_summary_flags'"),
        ({"context_builder": "tests.django.failing_parts.no_such_builder"}, "'context_builder'"),
        ({"context_builder": 42}, "'context_builder'"),
        (["semconv"], "dict"),
    ],
)
def test_a_bad_key_or_value_fails_start_up_naming_it(settings: DjangoSettings, value: object, named: str) -> None:
    settings.FF_OTEL = value

    with pytest.raises(ImproperlyConfigured, match="FF_OTEL") as raised:
        FeatureFlagMiddleware(respond)

    assert named in str(raised.value)
    assert ff_otel.current_installation() is None


def test_the_middleware_is_sync_and_async_capable() -> None:
    async def respond_async(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    from asgiref.sync import iscoroutinefunction

    assert FeatureFlagMiddleware.sync_capable
    assert FeatureFlagMiddleware.async_capable
    assert not iscoroutinefunction(FeatureFlagMiddleware(respond))
    assert iscoroutinefunction(FeatureFlagMiddleware(respond_async))
