"""The Django site's one page, and a stand-in for a login: the `X-User` header names the signed-in user."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tests.instrument.flags import storefront


class HeaderUser:
    """A signed-in user, as far as Django's `request.user` protocol goes."""

    is_authenticated = True

    def __init__(self, pk: str) -> None:
        self.pk = pk


class HeaderUserMiddleware:
    """Signs in the user named by the `X-User` header (listed after Django's AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = request.headers.get("X-User")
        if name:
            request.user = HeaderUser(name)  # type: ignore[assignment]
        return self.get_response(request)


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(storefront())
