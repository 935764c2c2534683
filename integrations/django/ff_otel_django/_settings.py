"""The `FF_OTEL` settings dict, read and validated in one place."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ff_otel import Options
from ff_otel.integration import AdapterOptions, resolve_dotted_paths, split_options

SETTING_NAME = "FF_OTEL"
"""The Django setting that holds ff-otel's options; callables and providers may be given as dotted paths."""


def load_options() -> tuple[Options, AdapterOptions]:
    """The core and adapter options from `settings.FF_OTEL`; a bad key or value raises ImproperlyConfigured.

    `secret_key` defaults to `settings.SECRET_KEY`, which keys the pseudonymous session ids.
    """
    raw = getattr(settings, SETTING_NAME, None) or {}
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"settings.{SETTING_NAME} must be a dict of options, not {type(raw).__name__}")
    try:
        return split_options(resolve_dotted_paths(raw), default_secret_key=settings.SECRET_KEY)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"settings.{SETTING_NAME}: {error}") from error
