"""`FeatureFlagMiddleware`: request -> identity, span binding and lifecycle, under WSGI and ASGI alike."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.exceptions import MiddlewareNotUsed
from django.core.signals import request_finished, request_started
from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase

from ff_otel.integration import (
    AsyncStream,
    ExcludedUrls,
    RequestScope,
    ServerSpan,
    ServerSpans,
    SyncStream,
    activate,
    forget_loose_context,
)
from ff_otel_django import _span
from ff_otel_django._identity import find_identity
from ff_otel_django._settings import load_options

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AsyncGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]

# Where the request's scope and span are kept for `process_view` and `process_exception`.
_SCOPE_ATTRIBUTE = "_ff_otel_scope"
_SPAN_ATTRIBUTE = "_ff_otel_span"
_ERROR_ATTRIBUTE = "_ff_otel_error"


class FeatureFlagMiddleware:
    """Binds each request's OpenFeature evaluation context and records its flag evaluations on its span.

    Identity: the authenticated user (`request.user.pk`), else the session (a keyed hash of its key), else an
    anonymous visitor; it is looked up at the first flag evaluation, so the middleware may sit anywhere in
    `MIDDLEWARE`. Options come from `settings.FF_OTEL`; loading the middleware installs ff-otel.

    Usage: ``MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
    "ff_otel_django.FeatureFlagMiddleware"]``
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: GetResponse | AsyncGetResponse) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)
        options, self.options = load_options()
        if not activate(options).active:
            raise MiddlewareNotUsed("ff_otel is turned off")  # the kill switch: Django drops the middleware
        self._core = options
        # A reused thread must not carry what the previous request set outside any block into this one.
        request_started.connect(_forget_loose_context, dispatch_uid="ff_otel.forget_loose_context")
        request_finished.connect(_forget_loose_context, dispatch_uid="ff_otel.forget_lingering_context")
        self._secret_key: str | bytes = options.secret_key or b""
        self._excluded = ExcludedUrls.from_option(self.options.excluded_urls, "DJANGO")
        self._spans = ServerSpans(
            "ff_otel_django",
            tracer_provider=options.tracer_provider,
            meter_provider=options.meter_provider,
            enabled=self.options.start_span,
        )

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        get_response: GetResponse = self.get_response  # type: ignore[assignment]
        if self._excludes(request):
            return get_response(request)
        request_span, scope = self._begin(request)
        try:
            with request_span.activated():
                scope.__enter__()
                try:
                    response = get_response(request)
                finally:
                    # Middleware listed before ours still runs on the way out and may evaluate flags for this user.
                    scope.close(linger=True)
        except BaseException as error:
            _span.finish(request_span, request, None)
            self._measure(request, None, scope, error)
            raise
        return self._end(request, response, request_span, scope)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        get_response: AsyncGetResponse = self.get_response  # type: ignore[assignment]
        if self._excludes(request):
            return await get_response(request)
        request_span, scope = self._begin(request)
        try:
            with request_span.activated():
                scope.__enter__()
                try:
                    if hasattr(request, "user"):
                        # Authentication ran before us: look the user up now, in a worker thread, because an async
                        # middleware or view further in may evaluate a flag where Django forbids the database.
                        await sync_to_async(scope.resolve)()
                    response = await get_response(request)
                finally:
                    scope.close(linger=True)
        except BaseException as error:
            _span.finish(request_span, request, None)
            self._measure(request, None, scope, error)
            raise
        return self._end(request, response, request_span, scope)

    def process_view(self, request: HttpRequest, view: Callable[..., object], *_: object) -> None:
        """Resolve the identity now, before an async view, while looking up the user may use the database.

        Django calls this after authentication, right before the view, synchronously (under ASGI in a worker
        thread). An async view runs in an event loop, where Django forbids the database.
        """
        scope: RequestScope | None = getattr(request, _SCOPE_ATTRIBUTE, None)
        if scope is not None and (self.is_async or iscoroutinefunction(view)):
            scope.resolve()

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Record a view's exception on the span started here (Django turns it into a 500 response)."""
        request_span: ServerSpan | None = getattr(request, _SPAN_ATTRIBUTE, None)
        if request_span is not None:
            request_span.record_exception(exception)
        setattr(request, _ERROR_ATTRIBUTE, exception)

    def _excludes(self, request: HttpRequest) -> bool:
        if not self._excluded:
            return False
        try:
            url = request.build_absolute_uri(request.path)
        except Exception:  # a disallowed Host header: Django answers 400 later, the path still tells
            url = request.path
        return self._excluded.excludes(url)

    def _begin(self, request: HttpRequest) -> tuple[ServerSpan, RequestScope]:
        request_span = _span.begin(self._spans, request)
        options = self.options
        scope = RequestScope(
            request,
            find_identity=lambda: find_identity(request, self._secret_key, options.persist_anonymous_id),
            options=options,
            span=request_span.span,
            core=self._core,
        )
        setattr(request, _SCOPE_ATTRIBUTE, scope)
        setattr(request, _SPAN_ATTRIBUTE, request_span)
        return request_span, scope

    def _end(
        self, request: HttpRequest, response: HttpResponseBase, request_span: ServerSpan, scope: RequestScope
    ) -> HttpResponseBase:
        if not isinstance(response, StreamingHttpResponse) or isinstance(response, FileResponse):
            _span.finish(request_span, request, response)
            self._measure(request, response, scope, None)
            return response

        def bind() -> contextlib.AbstractContextManager[object]:
            stack = contextlib.ExitStack()
            stack.enter_context(request_span.activated())
            stack.enter_context(scope)
            return stack

        def finish() -> None:
            _span.finish(request_span, request, response)
            self._measure(request, response, scope, None)

        content = response.streaming_content
        if response.is_async:
            response.streaming_content = AsyncStream(cast("AsyncIterator[bytes]", content), bind, finish)
        else:
            response.streaming_content = SyncStream(cast("Iterator[bytes]", content), bind, finish)
        return response

    def _measure(
        self,
        request: HttpRequest,
        response: HttpResponseBase | None,
        scope: RequestScope,
        error: BaseException | None,
    ) -> None:
        """End the request's flag impact: with the view's exception when Django turned it into a 5xx."""
        if not self.options.impact_flags:
            return
        status = None if response is None else response.status_code
        if error is None and status is not None and status >= 500:
            error = getattr(request, _ERROR_ATTRIBUTE, None)
        match = request.resolver_match
        scope.end(request.method, None if match is None else match.route, status, error)


def _forget_loose_context(**_: object) -> None:
    forget_loose_context()
