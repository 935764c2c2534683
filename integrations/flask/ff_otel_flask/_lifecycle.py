"""One Flask request's ff-otel scope: opened in `before_request`, closed at teardown or when the body is sent."""

from __future__ import annotations

from typing import Any, cast

import flask
from flask.globals import request_ctx
from opentelemetry import trace
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE

from ff_otel import Identity, Options
from ff_otel.integration import AdapterOptions, ExcludedUrls, RequestScope
from ff_otel_flask._identity import find_identity

ACTIVE_KEY = "ff_otel.request"
"""The WSGI environ key holding the request's open scope."""
OWN_SPAN_KEY = "ff_otel.own_span"
"""Set in the WSGI environ when ff-otel started the request's server span."""


class ActiveRequest:
    """A request's open scope, the request context that opened it, and what its flag impact is recorded with."""

    __slots__ = ("context", "error", "method", "route", "scope", "status_code", "streamed")

    def __init__(self, context: object, scope: RequestScope, method: str, route: str | None) -> None:
        self.context = context
        self.scope = scope
        self.streamed = False
        self.method = method
        self.route = route
        self.status_code: int | None = None
        self.error: BaseException | None = None

    def close(self) -> None:
        """The request is over: record its flag impact and close its scope."""
        self.scope.end(self.method, self.route, self.status_code, self.error)
        self.scope.close()


class RequestLifecycle:
    """The request hooks of one app: they bind each request's identity and span for the request's whole life."""

    def __init__(self, adapter_options: AdapterOptions, options: Options) -> None:
        self.adapter_options = adapter_options
        self.options = options
        self.secret_key = options.secret_key
        self.excluded = ExcludedUrls.from_option(adapter_options.excluded_urls, "FLASK")

    def find_identity(self) -> Identity | None:
        return find_identity(self.secret_key, self.adapter_options.persist_anonymous_id)

    def request_started(self, sender: object, **_: object) -> None:
        """Open the request's scope before any `before_request` hook runs, whichever was registered first."""
        request = flask.request
        if self.excluded and self.excluded.excludes(request.url):
            return
        scope = RequestScope(
            _current(request), find_identity=self.find_identity, options=self.adapter_options, core=self.options
        )
        scope.__enter__()
        rule = request.url_rule  # matched when the request context was pushed
        route = None if rule is None else rule.rule
        request.environ[ACTIVE_KEY] = ActiveRequest(_current(request_ctx), scope, request.method, route)

    def before_request(self) -> None:
        """Give the scope the request's span, once FlaskInstrumentor's `before_request` has started it."""
        request = flask.request
        active: ActiveRequest | None = request.environ.get(ACTIVE_KEY)
        if active is None:
            return
        span = trace.get_current_span()
        rule = request.url_rule
        if rule is not None and request.environ.get(OWN_SPAN_KEY):
            # The WSGI middleware names its span after the path; the route is the name HTTP conventions want.
            span.update_name(f"{request.method} {rule.rule}")
            span.set_attribute(HTTP_ROUTE, rule.rule)
        if span.get_span_context().is_valid:
            active.scope.span = span

    def after_request(self, response: flask.Response) -> flask.Response:
        active = flask.request.environ.get(ACTIVE_KEY)
        if active is not None:
            active.status_code = response.status_code
        if active is not None and response.is_streamed:
            # The body is produced after teardown (Flask 3.1 even tears down twice around a streamed body):
            # the WSGI wrapper closes the scope once the server has sent the last chunk. A generator streamed
            # without `stream_with_context` runs with no request context, where the user cannot be looked up:
            # look it up now, while it can be.
            active.streamed = True
            active.scope.resolve()
        return response

    def teardown_request(self, error: BaseException | None) -> None:
        environ = flask.request.environ
        active = environ.get(ACTIVE_KEY)
        # A context copied by `copy_current_request_context` tears down too; only the original one owns the scope.
        if active is None or active.context is not _current(request_ctx):
            return
        active.error = active.error or error  # a failed request's error page is streamed too: closed later
        if active.streamed:
            return
        del environ[ACTIVE_KEY]
        active.close()


def _current(proxy: object) -> object:
    """The object behind one of Flask's context-local proxies."""
    return cast("Any", proxy)._get_current_object()
