"""The WSGI side of the app: a server span when nothing else starts one, and closing scopes of streamed bodies."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, cast

import flask
from opentelemetry import trace
from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware
from werkzeug.wsgi import ClosingIterator, get_current_url

from ff_otel import Options
from ff_otel.integration import SyncStream, forget_loose_context
from ff_otel_flask._instrumentor import HookOrder, is_instrumented
from ff_otel_flask._lifecycle import ACTIVE_KEY, OWN_SPAN_KEY, ActiveRequest, RequestLifecycle

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


def _closer(body: Iterable[bytes]) -> Callable[[], None]:
    close = getattr(body, "close", None)
    return close if callable(close) else _nothing


def _nothing() -> None:
    return None


class FeatureFlagsWsgi:
    """Wraps `app.wsgi_app`. Usage (done by `FeatureFlags.init_app`): ``app.wsgi_app = FeatureFlagsWsgi(...)``."""

    def __init__(
        self,
        app: flask.Flask,
        wsgi_app: WSGIApplication,
        lifecycle: RequestLifecycle,
        hook_order: HookOrder,
        options: Options,
    ) -> None:
        self._app = app
        self._wsgi_app = wsgi_app
        self._lifecycle = lifecycle
        self._hook_order = hook_order
        self._start_span = lifecycle.adapter_options.start_span
        self._traced = OpenTelemetryMiddleware(
            self._respond, tracer_provider=options.tracer_provider, meter_provider=options.meter_provider
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # What this request set outside any block (in a WSGI middleware around the app, say) ends with it, so it
        # never reaches the next request served by this thread.
        try:
            body = self._traced_or_not(environ, start_response)
        except BaseException:
            forget_loose_context()
            raise
        return ClosingIterator(body, forget_loose_context)

    def _traced_or_not(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if is_instrumented(self._app):
            self._hook_order.ensure(self._app)
        elif (
            self._start_span
            # A span already current means OpenTelemetry's WSGI middleware (or another tracer) runs outside us.
            and not trace.get_current_span().get_span_context().is_valid
            and not (self._lifecycle.excluded and self._lifecycle.excluded.excludes(get_current_url(environ)))
        ):
            environ[OWN_SPAN_KEY] = True
            traced: Iterable[bytes] = self._traced(environ, start_response)
            return traced
        return self._respond(environ, start_response)

    def _respond(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        body = self._wsgi_app(environ, start_response)
        active: ActiveRequest | None = environ.pop(ACTIVE_KEY, None)
        if active is None:  # closed at teardown already, or never opened
            return body
        # A streamed body: its scope closes when the server closes the body, inside the span that wraps it.
        span = active.scope.span
        if not environ.get(OWN_SPAN_KEY) and span is not None and span.get_span_context().is_valid:
            # FlaskInstrumentor ended its span and left the context before the body is sent: keep the chunks in
            # that span's trace, so what they evaluate becomes log records linked to the request.
            close_body = _closer(body)

            def finish() -> None:
                close_body()
                active.close()

            def bind() -> contextlib.AbstractContextManager[object]:
                # Before Flask 3.1.2 the span is still current here, and the body's last chunk tears the request
                # down, detaching it: binding it again would make it current once more after the response.
                return contextlib.nullcontext() if trace.get_current_span() is span else trace.use_span(span)

            return cast("Iterable[bytes]", SyncStream(body, bind, finish))
        return ClosingIterator(body, active.close)
