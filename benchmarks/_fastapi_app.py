"""The FastAPI application of the per-request and memory benchmarks, in each case's set-up."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.types import ASGIApp, Receive, Scope, Send

from benchmarks._callers import asgi_sender
from benchmarks._flags import evaluate_flags
from benchmarks._requests import (
    HOOK_POINTS,
    NO_FLAGS_PATH,
    PATH,
    Traces,
    adapter_options,
    add_hooks,
    instrumented,
    uses_adapter,
)
from benchmarks._requests import Send as SendRequest
from ff_otel_asgi import FeatureFlagMiddleware

# FastAPI 0.16x traces itself when an SDK tracer provider is set; off here, so each case has only the spans it
# names (the official instrumentation turns it off on its own).
_NO_NATIVE_TRACING: dict[str, Any] = (
    {"telemetry": {"tracing": False}} if "telemetry" in inspect.signature(FastAPI.__init__).parameters else {}
)


class DoNothingMiddleware:
    """A pure ASGI middleware, as ff-otel's is, that does nothing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


@contextlib.contextmanager
def fastapi_sender(case: str, traces: Traces, path: str = PATH) -> Iterator[SendRequest]:
    """A fresh FastAPI app set up as `case` says, and a sender of its `GET path` on a private event loop."""
    app = FastAPI(**_NO_NATIVE_TRACING)

    @app.get(PATH)
    async def flags() -> dict[str, Any]:
        return evaluate_flags()

    @app.get(NO_FLAGS_PATH)
    async def no_flags() -> dict[str, Any]:
        return {}

    if instrumented(case):
        FastAPIInstrumentor.instrument_app(app, tracer_provider=traces.tracer_provider)
    if uses_adapter(case):
        app.add_middleware(FeatureFlagMiddleware, **adapter_options(case, traces))
    elif case == HOOK_POINTS:
        app.add_middleware(DoNothingMiddleware)
    add_hooks(case, traces)
    loop = asyncio.new_event_loop()
    try:
        yield asgi_sender(app, loop, path)
    finally:
        loop.close()
        if instrumented(case):
            FastAPIInstrumentor.uninstrument_app(app)
