"""ff-otel for FastAPI, Starlette and any other ASGI application.

Usage::

    from ff_otel_asgi import FeatureFlagMiddleware

    app.add_middleware(FeatureFlagMiddleware)              # FastAPI or Starlette
    app = FeatureFlagMiddleware(app, semconv="both")       # any ASGI application

In a FastAPI dependency that authenticates, ``identify(user.id)`` binds the user for the rest of the request.
"""

from __future__ import annotations

try:
    import opentelemetry.instrumentation.asgi  # noqa: F401
    import starlette  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(f'ff_otel_asgi needs the "fastapi" extra: pip install "ff-otel[fastapi]" ({error})') from error

from ff_otel import identify
from ff_otel_asgi._identity import ANONYMOUS_ID_SESSION_KEY
from ff_otel_asgi._middleware import FeatureFlagMiddleware

__all__ = ["ANONYMOUS_ID_SESSION_KEY", "FeatureFlagMiddleware", "identify"]
