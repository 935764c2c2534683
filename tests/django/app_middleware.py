"""Middleware an application might write around ff-otel's: its own context, its own evaluations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject
from openfeature import api
from openfeature.evaluation_context import EvaluationContext

import ff_otel

APP_KEY_HEADER = "HTTP_X_APP_TARGETING_KEY"
"""A request header the application turns into its own targeting key."""

seen_on_the_way_out: list[str | None] = []
"""The targeting keys that `EvaluatesOnTheWayOut` saw, one per request."""


def sets_the_context(get_response: Callable[[HttpRequest], HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Sets the OpenFeature transaction context itself, as an application with its own targeting does."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        chosen = request.META.get(APP_KEY_HEADER)
        if chosen is not None:
            api.set_transaction_context(EvaluationContext(chosen or None, {"tenant": "acme"}))
        return get_response(request)

    return middleware


def evaluates_on_the_way_in(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Evaluates a flag before the view, wherever it is listed (before authentication, say)."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        api.get_client().get_boolean_value("new-checkout", False)
        return get_response(request)

    return middleware


def identifies_the_client(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Binds who the request is for itself (an API client, say), wherever it is listed."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        ff_otel.identify("api-client-7")
        return get_response(request)

    return middleware


def evaluates_on_the_way_out(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Evaluates a flag after the rest of the stack has answered."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        api.get_client().get_boolean_value("new-checkout", False)
        seen_on_the_way_out.append(api.get_transaction_context().targeting_key)
        return response

    return middleware


class EvaluatesBeforeTheView:
    """An async-only middleware that evaluates a flag before an async view, in the event loop."""

    sync_capable = False
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    async def __call__(self, request: HttpRequest) -> HttpResponseBase:
        api.get_client().get_boolean_value("new-checkout", False)
        response = await self.get_response(request)
        response["X-Seen-Targeting-Key"] = str(api.get_transaction_context().targeting_key)
        return response


def unsaved_user(get_response: Callable[[HttpRequest], HttpResponseBase]) -> Callable[..., Any]:
    """Authenticates every request as a user that was never saved, so it has no primary key."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        request.user = User(username="not-saved-yet")
        return get_response(request)

    return middleware


def token_user(get_response: Callable[[HttpRequest], HttpResponseBase]) -> Callable[..., Any]:
    """Authenticates a request by its `X-Token` header, lazily and without the session, as token auth does."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        token = request.META.get("HTTP_X_TOKEN")
        if token is not None:
            request.user = SimpleLazyObject(lambda: User(pk=int(token), username=f"token-{token}"))  # type: ignore[assignment]
        return get_response(request)

    return middleware


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")
