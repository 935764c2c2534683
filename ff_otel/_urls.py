"""Excluded URLs, read the way OpenTelemetry's HTTP instrumentations read them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable


class ExcludedUrls:
    """Regular expressions searched in a request's URL; a match means ff-otel leaves the request alone.

    Usage: ``ExcludedUrls.from_option(options.excluded_urls, "DJANGO").excludes(url)``
    """

    __slots__ = ("_pattern",)

    def __init__(self, patterns: Iterable[str]) -> None:
        cleaned = [p.strip() for p in patterns if p.strip()]
        self._pattern = re.compile("|".join(f"(?:{p})" for p in cleaned)) if cleaned else None

    @classmethod
    def from_option(cls, option: str | Iterable[str] | None, framework: str) -> ExcludedUrls:
        """The option if given, else `OTEL_PYTHON_<FRAMEWORK>_EXCLUDED_URLS`, else `OTEL_PYTHON_EXCLUDED_URLS`."""
        if option is None:
            option = os.environ.get(f"OTEL_PYTHON_{framework.upper()}_EXCLUDED_URLS") or os.environ.get(
                "OTEL_PYTHON_EXCLUDED_URLS", ""
            )
        return cls(option.split(",") if isinstance(option, str) else option)

    def __bool__(self) -> bool:
        """False when there is nothing to exclude: callers can skip building the URL at all."""
        return self._pattern is not None

    def excludes(self, url: str) -> bool:
        """True when `url` matches one of the patterns."""
        return self._pattern is not None and self._pattern.search(url) is not None
