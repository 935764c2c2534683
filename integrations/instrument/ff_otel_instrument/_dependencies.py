"""What the instrumentor instruments, in the `instruments` extra's format (opentelemetry-python-contrib's habit)."""

from __future__ import annotations

INSTRUMENTS = ("openfeature-sdk >= 0.10",)
"""The library whose evaluations are recorded. Web frameworks are optional: each is patched only if installed."""
