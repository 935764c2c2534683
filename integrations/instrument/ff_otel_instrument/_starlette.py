"""Starlette and FastAPI: every application's middleware stack gets the ASGI middleware when it is built."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send

from ff_otel.integration import current_layer, request_in_flight
from ff_otel_asgi import FeatureFlagMiddleware

_STARLETTE_CALL = Starlette.__call__
_options: dict[str, Any] = {}


class AutoFeatureFlagMiddleware(FeatureFlagMiddleware):
    """ff_otel_asgi's middleware, passing requests straight through when an outer one bound them already.

    That is an application wrapped by hand (``FeatureFlagMiddleware(app)``), or an application mounted in another.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        layer = current_layer()
        if request_in_flight() or (layer is not None and not layer.loose):
            await self.app(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def patch(options: Mapping[str, Any]) -> None:
    """Add the middleware to every application whose middleware stack is not built yet."""
    _options.clear()
    _options.update(options)
    setattr(Starlette, "__call__", _call)  # noqa: B010 - a method replaced on the class


def unpatch() -> None:
    """Applications built from now on are left alone."""
    setattr(Starlette, "__call__", _STARLETTE_CALL)  # noqa: B010


async def _call(self: Starlette, scope: Scope, receive: Receive, send: Send) -> None:
    if self.middleware_stack is None:
        add_middleware(self)
    await _STARLETTE_CALL(self, scope, receive, send)


def add_middleware(app: Starlette) -> None:
    """What ``app.add_middleware(FeatureFlagMiddleware, **options)`` does, unless the app did it by hand."""
    if any(
        isinstance(entry.cls, type) and issubclass(entry.cls, FeatureFlagMiddleware) for entry in app.user_middleware
    ):
        return
    app.user_middleware.insert(0, Middleware(AutoFeatureFlagMiddleware, **_options))
