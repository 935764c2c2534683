"""The middleware that auto-instrumentation lists in `settings.MIDDLEWARE`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.utils.module_loading import import_string

from ff_otel_django import FeatureFlagMiddleware


class AutoFeatureFlagMiddleware(FeatureFlagMiddleware):
    """ff_otel_django's middleware, stepping aside when the application lists one of its own (a subclass, say)."""

    def __init__(self, get_response: Any) -> None:
        for path in settings.MIDDLEWARE:
            try:
                listed = import_string(path)
            except ImportError:
                continue  # Django reports it itself
            if isinstance(listed, type) and issubclass(listed, FeatureFlagMiddleware) and listed is not type(self):
                raise MiddlewareNotUsed(f"{path} is listed already")
        super().__init__(get_response)
