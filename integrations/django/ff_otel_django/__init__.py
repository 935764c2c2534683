"""ff-otel for Django."""

from __future__ import annotations

__all__: list[str] = []
