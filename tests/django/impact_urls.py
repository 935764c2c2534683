"""The checkout of the impact tests as Django views: sync and async, streamed, and a client error."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import path

from tests.impact_app import checkout_status, new_checkout

STREAM_PAUSE_SECONDS = 0.3
"""Between a streamed body's chunks: longer than the 0.25 s bucket, so the body's end is seen in the duration."""


def checkout(request: HttpRequest, order: int) -> HttpResponse:
    return HttpResponse("done", status=checkout_status(order, new_checkout()))


async def async_checkout(request: HttpRequest, order: int) -> HttpResponse:
    return HttpResponse("done", status=checkout_status(order, new_checkout()))


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield "first\n"
        time.sleep(STREAM_PAUSE_SECONDS)  # a paused stream: the request lasts until its body ends
        yield f"{new_checkout()}\n"  # evaluated while the body is being sent

    return StreamingHttpResponse(chunks())


async def async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[str]:
        yield "first\n"
        await asyncio.sleep(STREAM_PAUSE_SECONDS)  # a paused stream, as above
        yield f"{new_checkout()}\n"

    return StreamingHttpResponse(chunks())


class BrokenOffError(RuntimeError):
    """A streamed body failing after its first chunk (a database gone mid-export, say)."""


def broken_stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        yield f"{new_checkout()}\n"
        raise BrokenOffError("the body broke off")

    return StreamingHttpResponse(chunks())


async def async_broken_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[str]:
        yield f"{new_checkout()}\n"
        raise BrokenOffError("the body broke off")

    return StreamingHttpResponse(chunks())


def missing(request: HttpRequest) -> HttpResponse:
    new_checkout()
    raise Http404("no such order")


urlpatterns = [
    path("checkout/<int:order>/", checkout),
    path("async-checkout/<int:order>/", async_checkout),
    path("stream/", stream),
    path("async-stream/", async_stream),
    path("broken-stream/", broken_stream),
    path("async-broken-stream/", async_broken_stream),
    path("missing/", missing),
]
