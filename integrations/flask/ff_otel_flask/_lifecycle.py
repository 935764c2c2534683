"""One Flask app's requests: a scope opened at `request_started` and closed at teardown (a streamed body's when its
last chunk is sent), and a WSGI wrapper that starts a server span when nothing else traces the request."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import flask
from flask.globals import request_ctx
from flask.sessions import NullSession, SecureCookieSessionInterface
from opentelemetry import trace
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from werkzeug.wsgi import get_current_url

from ff_otel import Identity, Options
from ff_otel.integration import (
    AdapterOptions,
    ClosingBody,
    ServedRequest,
    WebRequests,
    call_safely,
    current_span,
    forget_loose_context,
    name_after_route,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

try:
    from flask_login import current_user
except ImportError:  # Flask-Login is optional
    current_user = None

# In the WSGI environ: the request's open `ServedRequest`, the request context that opened it (weakly; a copied
# context tears down too), whether its body is streamed, and whether ff-otel started its server span.
SERVED_KEY, CONTEXT_KEY = "ff_otel.request", "ff_otel.request_context"
STREAMED_KEY, OWN_SPAN_KEY = "ff_otel.streamed", "ff_otel.own_span"
_INSTRUMENTOR_SPAN_KEY = "opentelemetry-flask.span_key"  # where FlaskInstrumentor keeps the request's span
_INSTRUMENTOR_MODULE = "opentelemetry.instrumentation.flask"  # whose teardown hook ends that span
# The objects behind Flask's context-local proxies: each access through a proxy costs a lookup.
_request = cast("Any", flask.request)._get_current_object
_request_context = cast("Any", request_ctx)._get_current_object
_session = cast("Any", flask.session)._get_current_object


class RequestLifecycle:
    """ff-otel's request hooks and WSGI wrapper for one app (`FeatureFlags.init_app` makes it)."""

    def __init__(self, app: flask.Flask, core: Options, options: AdapterOptions) -> None:
        self.requests = WebRequests("ff_otel_flask", core, options, frameworks=("FLASK",))
        self._app = app
        self._wsgi_app = app.wsgi_app
        self._traced = OpenTelemetryMiddleware(
            self._respond, tracer_provider=core.tracer_provider, meter_provider=core.meter_provider
        )
        self._lock = threading.Lock()
        self._checked_hooks: tuple[list[Any] | None, int] = (None, 0)  # the teardown hooks last found in order
        flask.request_started.connect(self.request_started, app)  # weakly, as the app's own hooks keep this alive
        app.after_request(self.after_request)
        app.teardown_request(self.teardown_request)
        app.wsgi_app = self  # type: ignore[method-assign]

    def request_started(self, sender: object, **_: object) -> None:
        """Open the request's scope before any `before_request` hook runs, whichever was registered first."""
        request: flask.Request = _request()
        if self.requests.excludes(lambda: request.url):
            return
        route = None if request.url_rule is None else request.url_rule.rule  # matched when the context was pushed
        environ, span = request.environ, current_span()  # ours, or an outer middleware's, if any yet
        if environ.get(OWN_SPAN_KEY):  # named after the path so far; HTTP conventions want the route
            name_after_route(span, request.method, route)
        served = self.requests.serve(
            request,
            find_identity=lambda: _visitor(self.requests, self._app),
            method=request.method,
            route=lambda: route,
            span=span if span.get_span_context().is_valid else None,
        )
        served.scope.__enter__()
        environ[SERVED_KEY], environ[CONTEXT_KEY] = served, weakref.ref(_request_context())

    def after_request(self, response: flask.Response) -> flask.Response:
        environ = _request().environ
        served: ServedRequest | None = environ.get(SERVED_KEY)
        if served is not None:
            _take_instrumentors_span(served, environ)
            served.status_code = response.status_code
            if response.is_streamed:
                # The body is produced after teardown (Flask 3.1 even tears down twice around it) and closes the scope:
                # without `stream_with_context` no request context is left then to look the user up in. Now, then.
                environ[STREAMED_KEY] = True
                served.scope.resolve()
        return response

    def teardown_request(self, error: BaseException | None) -> None:
        context = _request_context()
        environ = context.request.environ
        served: ServedRequest | None = environ.get(SERVED_KEY)
        if served is None or environ[CONTEXT_KEY]() is not context:
            return
        _take_instrumentors_span(served, environ)
        served.scope.adopt_current_span()  # else a span some hook of the app's tracing started, if any
        served.error = served.error or error  # a failed request's error page is streamed too: closed later
        if not environ.get(STREAMED_KEY):
            del environ[SERVED_KEY]
            served.end()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # What this request left outside any block ends with its body, never reaching the thread's next request.
        try:
            call_safely("ff_otel could not order its Flask teardown hook", self._teardown_last)
            if (
                getattr(self._app, "_is_instrumented_by_opentelemetry", False) is not True  # FlaskInstrumentor's
                and self.requests.options.start_span
                # A span already current means OpenTelemetry's WSGI middleware (or another tracer) runs outside us.
                and not current_span().get_span_context().is_valid
                and not self.requests.excludes(lambda: get_current_url(environ))
            ):
                environ[OWN_SPAN_KEY] = True
                return ClosingBody(self._traced(environ, start_response), forget_loose_context)
            return ClosingBody(self._respond(environ, start_response), forget_loose_context)
        except BaseException:
            if (served := environ.pop(SERVED_KEY, None)) is not None:  # a teardown hook raised before ours ran
                served.end()
            forget_loose_context()
            raise

    def _respond(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = self._wsgi_app(environ, start_response)
        served: ServedRequest | None = environ.pop(SERVED_KEY, None)
        if served is None:  # closed at teardown already, or never opened
            return body
        # A streamed body closes the scope; its chunks run in the span that wraps it, and one that raises fails it.
        span = served.scope.span
        if span is None or not span.get_span_context().is_valid:
            return ClosingBody(body, served.end)
        return served.end_after_body(body, span)

    def _teardown_last(self) -> None:
        """Our teardown hook runs after the app's own and before FlaskInstrumentor's (Flask runs them in reverse)."""
        hooks = self._app.teardown_request_funcs.get(None, [])
        if hooks is self._checked_hooks[0] and len(hooks) == self._checked_hooks[1]:  # none added since last time
            return
        with self._lock:
            hooks = self._app.teardown_request_funcs.get(None, [])
            theirs = [hook for hook in hooks if getattr(hook, "__module__", None) == _INSTRUMENTOR_MODULE]
            first = [*theirs, self.teardown_request]
            wanted = first + [hook for hook in hooks if hook not in first]
            if wanted != hooks:  # a new list, so a request iterating the old one in another thread is not disturbed
                self._app.teardown_request_funcs[None] = hooks = wanted
        self._checked_hooks = (hooks, len(hooks))


def _take_instrumentors_span(served: ServedRequest, environ: WSGIEnvironment) -> None:
    """FlaskInstrumentor starts its span in its `before_request` hook, after the scope opened, and keeps it here."""
    span, summary = environ.get(_INSTRUMENTOR_SPAN_KEY), served.scope.summary
    if summary is not None and summary.span is trace.INVALID_SPAN and isinstance(span, trace.Span):
        summary.span = span if span.get_span_context().is_valid else trace.INVALID_SPAN


def _visitor(requests: WebRequests, app: flask.Flask) -> Identity | None:
    """The Flask-Login user, else a server-side session's id (Flask-Session), else an anonymous id kept in the
    session. Flask's own cookie session is read only to keep that id: a read session makes the response vary."""
    logged_in = current_user is not None and hasattr(app, "login_manager") and current_user.is_authenticated
    user_id = current_user.get_id() if logged_in else None
    kept = requests.options.persist_anonymous_id or not isinstance(app.session_interface, SecureCookieSessionInterface)
    session = _session() if kept else None  # else unread (not marked read): it would name nobody
    session_id = getattr(session, "sid", None) if session else None  # an empty session is not stored: its id changes
    return requests.visitor(
        user_id,
        session=None if isinstance(session, NullSession) else session,
        session_key=session_id if isinstance(session_id, str) else None,
        framework_secret=app.secret_key,
    )
