"""Excluded URLs, read by OpenTelemetry's own helpers so ff-otel skips exactly what the instrumentations skip."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.util.http import ExcludeList, get_excluded_urls, parse_excluded_urls


class ExcludedUrls:
    """Regular expressions searched in a request's URL; a match means ff-otel leaves the request alone.

    Usage: ``ExcludedUrls.from_option(options.excluded_urls, "DJANGO").excludes(url)``
    """

    __slots__ = ("_any", "_list")

    def __init__(self, excluded: ExcludeList, patterns: Iterable[str]) -> None:
        self._list = excluded
        self._any = any(True for _ in patterns)

    @classmethod
    def from_option(cls, option: str | Iterable[str] | None, framework: str) -> ExcludedUrls:
        """The option if given, else OpenTelemetry's `OTEL_PYTHON_<FRAMEWORK>_EXCLUDED_URLS`, which falls back
        to `OTEL_PYTHON_EXCLUDED_URLS` only when unset (a framework variable set to nothing excludes nothing)."""
        if option is None:
            excluded = get_excluded_urls(framework.upper())
        elif isinstance(option, str):
            excluded = parse_excluded_urls(option)
        else:
            excluded = ExcludeList([pattern.strip() for pattern in option if pattern.strip()])
        # Building a URL costs; knowing there is nothing to exclude lets callers skip it.
        return cls(excluded, getattr(excluded, "_excluded_urls", ("?",)))

    def __bool__(self) -> bool:
        """False when there is nothing to exclude: callers can skip building the URL at all."""
        return self._any

    def excludes(self, url: str) -> bool:
        """True when `url` matches one of the patterns."""
        return self._any and self._list.url_disabled(url)
