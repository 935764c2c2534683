"""Views that evaluate flags and answer with what they saw."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from openfeature import api


def evaluate() -> dict[str, object]:
    """Two flag evaluations, and the targeting key of the context they were evaluated in."""
    client = api.get_client()
    context = api.get_transaction_context()
    return {
        "new_checkout": client.get_boolean_value("new-checkout", False),
        "banner": client.get_string_value("banner-color", "none"),
        "targeting_key": context.targeting_key,
        "attributes": dict(context.attributes),
    }


def flags(request: HttpRequest) -> JsonResponse:
    return JsonResponse(evaluate())


async def async_flags(request: HttpRequest) -> JsonResponse:
    return JsonResponse(evaluate())


def item(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse({"pk": pk, **evaluate()})


def boom(request: HttpRequest) -> HttpResponse:
    evaluate()
    raise RuntimeError("the view failed")


def stream(request: HttpRequest) -> StreamingHttpResponse:
    def chunks() -> Iterator[str]:
        for _ in range(3):
            yield json.dumps(evaluate()) + "\n"

    return StreamingHttpResponse(chunks())


async def async_stream(request: HttpRequest) -> StreamingHttpResponse:
    async def chunks() -> AsyncIterator[str]:
        for _ in range(3):
            yield json.dumps(evaluate()) + "\n"

    return StreamingHttpResponse(chunks())


def touch_session(request: HttpRequest) -> HttpResponse:
    request.session["visited"] = True
    return HttpResponse("ok")
