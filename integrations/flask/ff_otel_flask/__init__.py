"""ff-otel for Flask."""

from __future__ import annotations

__all__: list[str] = []
