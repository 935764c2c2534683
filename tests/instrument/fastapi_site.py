"""A FastAPI app that evaluates flags and knows nothing of ff-otel; `opentelemetry-instrument` turns ff-otel on.

Run: ``opentelemetry-instrument uvicorn tests.instrument.fastapi_site:app --port PORT``
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from tests.instrument.flags import storefront, use_in_memory_flags


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    use_in_memory_flags()
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/", response_class=PlainTextResponse)
async def home() -> str:
    return storefront()
