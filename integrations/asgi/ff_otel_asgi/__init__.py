"""ff-otel for ASGI."""

from __future__ import annotations

__all__: list[str] = []
