"""`FeatureFlagMiddleware`: each Django request served through the core's `WebRequests`, under WSGI and ASGI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.asgi import ASGIRequest
from django.core.signals import request_finished, request_started
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.functional import SimpleLazyObject, empty

from ff_otel import Identity, integration
from ff_otel.integration import ServedRequest, WebRequests, activate, end_request_context, start_request_context
from ff_otel_django.apps import load_options

_AUTH_MIDDLEWARE = "django.contrib.auth.middleware"  # whose lazy `request.user` is exactly `get_user(request)`
_SERVED_ATTRIBUTE = "_ff_otel_served"  # where `process_view` and `process_exception` find the request's own
_LOOK_AGAIN_ATTRIBUTE = "_ff_otel_look_again"  # the identity was looked up before authentication, or failed to
_is_async_view = integration.CheckedOnce(iscoroutinefunction)  # views live as long as their URLconf


class FeatureFlagMiddleware:
    """Binds each request's OpenFeature evaluation context and records its flag evaluations on its span.

    Identity: the authenticated user (`request.user.pk`), else the session (a keyed hash of its key), else an
    anonymous visitor, looked up at the first flag evaluation (again before the view, if that came before
    authentication). Options come from `settings.FF_OTEL`; loading the middleware installs ff-otel.

    Usage: ``MIDDLEWARE = [..., AuthenticationMiddleware, "ff_otel_django.FeatureFlagMiddleware"]``
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        core, self.options = load_options()
        if not activate(core).active:
            raise MiddlewareNotUsed("ff_otel is turned off")  # the kill switch: Django drops the middleware
        # A reused thread must not carry what the previous request set outside any block into this one.
        request_started.connect(start_request_context, dispatch_uid="ff_otel.start_request_context")
        request_finished.connect(end_request_context, dispatch_uid="ff_otel.end_request_context")
        self._requests = WebRequests("ff_otel_django", core, self.options, frameworks=("DJANGO",))

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        served = self._serve(request)
        if served is None:
            return self.get_response(request)
        with served:
            response = self.get_response(request)
        return _respond(response, served, request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        served = self._serve(request)
        if served is None:
            return await self.get_response(request)  # type: ignore[no-any-return]
        with served:
            if hasattr(request, "user"):  # authenticated already: the user now, in a thread (async code may not)
                await sync_to_async(served.scope.resolve)()
            response = await self.get_response(request)
        return _respond(response, served, request)

    def process_view(self, request: HttpRequest, view: Callable[..., object], *_: object) -> None:
        """Resolve the identity before an async view, which runs where Django forbids the database (Django calls
        this after authentication, right before the view, synchronously: in a worker thread under ASGI)."""
        served: ServedRequest | None = getattr(request, _SERVED_ATTRIBUTE, None)
        if served is not None and request.__dict__.pop(_LOOK_AGAIN_ATTRIBUTE, False) and hasattr(request, "user"):
            served.scope.look_up_again()  # a flag was evaluated before authentication: the user now, for the view
        if served is not None and (self.is_async or _is_async_view(view)):
            served.scope.resolve()

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Note a view's exception, which Django turns into a 500 response, for the span and the flag impact."""
        if (served := getattr(request, _SERVED_ATTRIBUTE, None)) is not None:
            served.note_exception(exception)

    def _serve(self, request: HttpRequest) -> ServedRequest | None:
        if self._requests.excludes(lambda: _url(request)):
            return None
        asgi = isinstance(request, ASGIRequest)
        served = self._requests.serve(
            request,
            find_identity=lambda: _visitor(self._requests, request),
            method=request.method,
            route=lambda: _route(request),
            carrier=request.scope if asgi else request.META,  # type: ignore[attr-defined]
            asgi=asgi,
            linger=True,  # middleware listed before ours still runs on the way out and may evaluate flags
        )
        setattr(request, _SERVED_ATTRIBUTE, served)
        return served


def _respond(response: HttpResponseBase, served: ServedRequest, request: HttpRequest) -> HttpResponseBase:
    def finish() -> None:
        headers = list(response.items()) if served.span.owned else None  # for a span of ours only
        served.finish(response.status_code, reason=response.reason_phrase, headers=headers)

    request.__dict__.pop(_SERVED_ATTRIBUTE, None)  # the view is over: the request need not keep it, nor a cycle
    if isinstance(response, StreamingHttpResponse) and not isinstance(response, FileResponse):
        response.streaming_content = served.stream(response.streaming_content, finish)
    elif served.finishes:
        finish()
    return response


def _visitor(requests: WebRequests, request: HttpRequest) -> Identity | None:
    """The authenticated user, else the session; never creates a session unless `persist_anonymous_id` says so."""
    user, session = getattr(request, "user", None), getattr(request, "session", None)
    request.__dict__[_LOOK_AGAIN_ATTRIBUTE] = True  # until the user is known (this may fail in async code)
    if type(user) is SimpleLazyObject and session is not None and SESSION_KEY not in session:
        lookup = vars(user)
        if lookup.get("_wrapped") is empty and getattr(lookup.get("_setupfunc"), "__module__", "") == _AUTH_MIDDLEWARE:
            user = None  # Django's get_user() finds nobody without a user in the session: no need to build its guest
    user_id = user.pk if user is not None and user.is_authenticated else None  # an unsaved user (pk None): anonymous
    request.__dict__[_LOOK_AGAIN_ATTRIBUTE] = not hasattr(request, "user")
    return requests.visitor(user_id, session=session, session_key=None if session is None else session.session_key)


def _route(request: HttpRequest) -> str | None:
    match = request.resolver_match
    if match is None:
        return None
    # The site's root is "" in Django's patterns; "/" keeps it apart from a URL that resolved to nothing.
    return "/" if match.route == "" else match.route or match.url_name


def _url(request: HttpRequest) -> str:
    try:
        return request.build_absolute_uri(request.path)
    except Exception:  # a disallowed Host header: Django answers 400 later, the path still tells
        return request.path
