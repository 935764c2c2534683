"""The request's server span, through the core's `ServerSpans`: Django tells it the carrier and the route."""

from __future__ import annotations

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from ff_otel.integration import ServerSpan, ServerSpans


def begin(spans: ServerSpans, request: HttpRequest) -> ServerSpan:
    """The request's span: OpenTelemetry's own, else one started from the WSGI environ or ASGI scope."""
    if isinstance(request, ASGIRequest):
        return spans.begin(request.scope, asgi=True, method=request.method)
    return spans.begin(request.META, asgi=False, method=request.method)


def finish(span: ServerSpan, request: HttpRequest, response: HttpResponseBase | None) -> None:
    """End an owned span, named after the route Django resolved (known only after the span started)."""
    if not span.owned:
        return
    match = request.resolver_match
    if match is None:
        route = None
    elif match.route == "":  # the site's root, as Django's patterns spell it; "/" keeps it apart from an unresolved URL
        route = "/"
    else:
        route = match.route or match.url_name
    if response is None:
        span.finish(method=request.method, route=route, status=None)
    else:
        span.finish(
            method=request.method,
            route=route,
            status=response.status_code,
            reason=response.reason_phrase,
            headers=list(response.items()),
        )
