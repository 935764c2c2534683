"""ff-otel for FastAPI, Starlette and any other ASGI application.

Usage::

    from ff_otel_asgi import FeatureFlagMiddleware

    app.add_middleware(FeatureFlagMiddleware)              # FastAPI or Starlette
    app = FeatureFlagMiddleware(app, semconv="both")       # any ASGI application

In a FastAPI dependency that authenticates, ``identify(user.id)`` binds the user for the rest of the request.
Importing this package installs ff-otel with default options, unless something installed it before, so that
evaluations before the first request are recorded too; the middleware's options take over once Starlette creates it.
"""

from __future__ import annotations

try:
    import opentelemetry.instrumentation.asgi  # noqa: F401
    import starlette  # noqa: F401
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        f'ff_otel_asgi needs Starlette: pip install "ff-otel[starlette]" or "ff-otel[fastapi]" ({error})'
    ) from error

from ff_otel import identify
from ff_otel.integration import ANONYMOUS_ID_KEY, activate_defaults
from ff_otel_asgi._middleware import FeatureFlagMiddleware

# Starlette builds its middleware stack, and so creates FeatureFlagMiddleware, only at the first request or
# lifespan event. Installing ff-otel here, with default options unless something installed it already, records
# what is evaluated before that (at module level, in the lifespan) as log records; the middleware's options take
# over once it is created.
activate_defaults()

ANONYMOUS_ID_SESSION_KEY = ANONYMOUS_ID_KEY
"""Where `persist_anonymous_id=True` keeps a visitor's random id in `scope["session"]`."""

__all__ = ["ANONYMOUS_ID_SESSION_KEY", "FeatureFlagMiddleware", "identify"]
