"""What the sample apps keep in their session cookies, read without their keys (the payload is only signed)."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any


def session_values(cookie: str) -> set[str]:
    """The string values inside a Flask or Starlette signed session cookie; empty for any other cookie."""
    payload = cookie.strip('"')
    compressed = payload.startswith(".")  # Flask (itsdangerous) marks a zlib-compressed payload so
    data = _decode(payload.lstrip(".").split(".", 1)[0])
    if data is None:
        return set()
    if compressed:
        data = zlib.decompress(data)
    try:
        return set(_strings(json.loads(data)))
    except ValueError:
        return set()


def _decode(text: str) -> bytes | None:
    padded = text + "=" * (-len(text) % 4)
    for decode in (base64.urlsafe_b64decode, base64.b64decode):
        try:
            return decode(padded)
        except (binascii.Error, ValueError):
            continue
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []
