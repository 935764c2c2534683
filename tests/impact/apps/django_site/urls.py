"""The checkout view: async, so that under ASGI the slow requests wait side by side rather than in turn."""

from __future__ import annotations

import asyncio

from django.http import HttpRequest, HttpResponse
from django.urls import path

from tests.impact.apps.telemetry import SLOW_SECONDS
from tests.impact_app import checkout_status, new_checkout


async def checkout(request: HttpRequest, order: int) -> HttpResponse:
    enabled = new_checkout()
    if enabled:
        await asyncio.sleep(SLOW_SECONDS)  # the slow variant's own behaviour, which the histogram must show
    return HttpResponse("done", status=checkout_status(order, enabled))


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("checkout/<int:order>", checkout), path("healthz", healthz)]
