"""Excluded URLs mean what they mean to OpenTelemetry's own instrumentations."""

from __future__ import annotations

import pytest
from opentelemetry.util.http import get_excluded_urls

from ff_otel.integration import ExcludedUrls

URLS = ["http://site/healthz", "http://site/metrics", "http://site/cart", "http://site/other"]


@pytest.mark.parametrize(
    "environment",
    [
        {"OTEL_PYTHON_DJANGO_EXCLUDED_URLS": "healthz,metrics"},
        {"OTEL_PYTHON_EXCLUDED_URLS": "other"},
        {"OTEL_PYTHON_DJANGO_EXCLUDED_URLS": "", "OTEL_PYTHON_EXCLUDED_URLS": "other"},  # set empty: no fallback
        {"OTEL_PYTHON_DJANGO_EXCLUDED_URLS": " cart , healthz ", "OTEL_PYTHON_EXCLUDED_URLS": "other"},
        {},
    ],
)
def test_the_variables_exclude_what_opentelemetry_excludes(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    for name in ("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    ours = ExcludedUrls.from_option(None, "DJANGO")
    theirs = get_excluded_urls("DJANGO")

    assert [ours.excludes(url) for url in URLS] == [theirs.url_disabled(url) for url in URLS]
    assert bool(ours) == any(theirs.url_disabled(url) for url in URLS)


def test_the_option_wins_over_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "cart")
    assert [ExcludedUrls.from_option("healthz", "DJANGO").excludes(url) for url in URLS] == [True, False, False, False]
    assert [ExcludedUrls.from_option(["metrics", " "], "DJANGO").excludes(url) for url in URLS] == [
        False,
        True,
        False,
        False,
    ]
    assert not ExcludedUrls.from_option([], "DJANGO")
