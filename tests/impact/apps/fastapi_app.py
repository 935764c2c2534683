"""The checkout as a FastAPI app, with the ASGI middleware listing the impact flag.

Run: ``uvicorn tests.impact.apps.fastapi_app:app``
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from ff_otel_asgi import FeatureFlagMiddleware
from tests.impact.apps.telemetry import SLOW_SECONDS, configure_metrics
from tests.impact_app import FLAG, checkout_status, cohort_context, new_checkout, use_checkout_flags

configure_metrics("impact-fastapi")
use_checkout_flags()

app = FastAPI()
app.add_middleware(FeatureFlagMiddleware, impact_flags=[FLAG], context_builder=cohort_context)


@app.get("/checkout/{order}")
async def checkout(order: int) -> PlainTextResponse:
    enabled = new_checkout()
    if enabled:
        await asyncio.sleep(SLOW_SECONDS)  # the slow variant's own behaviour, which the histogram must show
    return PlainTextResponse("done", status_code=checkout_status(order, enabled))


@app.get("/healthz")
async def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")
