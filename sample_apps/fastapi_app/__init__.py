"""The FastAPI sample app: ff-otel through ``app.add_middleware(FeatureFlagMiddleware, ...)``.

Run: ``python -m sample_apps.fastapi_app [--port 8000]``
"""

from __future__ import annotations

from sample_apps.fastapi_app.app import create_app

__all__ = ["create_app"]
