"""The `FF_OTEL` settings dict, read and validated in one place."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

import ff_otel

SETTING_NAME = "FF_OTEL"
"""The Django setting that holds ff-otel's options."""

# Options whose value may be given as a dotted import path, so settings.py stays free of imports.
_IMPORTABLE = ("context_builder", "identity", "redact", "tracer_provider", "logger_provider", "meter_provider")


def load_options() -> tuple[ff_otel.Options, ff_otel.AdapterOptions]:
    """The core and adapter options from `settings.FF_OTEL`; a bad key or value raises ImproperlyConfigured.

    `secret_key` defaults to `settings.SECRET_KEY`, which keys the pseudonymous session ids.

    Usage: ``options, adapter_options = load_options()``
    """
    raw = getattr(settings, SETTING_NAME, None)
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"settings.{SETTING_NAME} must be a dict of options, not {type(raw).__name__}")
    values = dict(raw)
    for name in _IMPORTABLE:
        path = values.get(name)
        if isinstance(path, str):
            values[name] = _import(name, path)
    if values.get("secret_key") is None:
        values["secret_key"] = settings.SECRET_KEY
    try:
        return ff_otel.split_options(values)
    except (TypeError, ValueError) as error:
        raise ImproperlyConfigured(f"settings.{SETTING_NAME}: {error}") from error


def _import(name: str, path: str) -> object:
    try:
        return import_string(path)
    except ImportError as error:
        raise ImproperlyConfigured(f"settings.{SETTING_NAME}[{name!r}]: cannot import {path!r}: {error}") from error
