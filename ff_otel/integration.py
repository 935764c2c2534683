"""The API for adapter authors: what a web framework or flag-vendor integration builds on, and nothing private.

A web adapter turns ff-otel on with `activate(options)`, keeps one `WebRequests` for its requests, and serves each
through it: the server span found or started, the request's identity (`visitor` applies the one rule: user, else
session, else anonymous), the summary and the flag impact. Faults are reported through `report` / `call_safely`,
so that telemetry never breaks the application. `semconv` holds every telemetry name ff-otel emits.

Usage (inside an adapter)::

    core, options = split_options(user_options, default_secret_key=framework_secret)
    activate(core)
    requests = WebRequests("my_adapter", core, options, frameworks=("MY_FRAMEWORK",))
    served = requests.serve(request, find_identity=..., method=..., route=..., carrier=environ)
    with served:
        response = handle(request)
    served.finish(response.status_code)
"""

from __future__ import annotations

import contextlib

from ff_otel import _semconv as semconv
from ff_otel._adapter_options import AdapterOptions, ContextBuilder, IdentityLookup, split_options
from ff_otel._checked_once import CheckedOnce
from ff_otel._context import current_layer
from ff_otel._current_span import current_span
from ff_otel._identity import ANONYMOUS_ID_KEY, SESSION_ID_PURPOSE, visitor_identity
from ff_otel._in_progress import track as track_openfeature_evaluations
from ff_otel._install import activate, activate_defaults, killed
from ff_otel._option_keywords import AdapterOptionKeywords, OptionKeywords, option_signature
from ff_otel._option_sources import (
    PREFIX,
    ImportedCallable,
    options_from_environ,
    resolve_dotted_paths,
    variable_name,
)
from ff_otel._request import RequestScope, request_in_flight
from ff_otel._request_bounds import end_request_context, forget_loose_context, start_request_context
from ff_otel._safe import call_safely, report
from ff_otel._streaming import AsyncStream, ClosingBody, SyncStream
from ff_otel._urls import ExcludedUrls

# A server span needs opentelemetry-instrumentation-wsgi / -asgi, which the web adapters' extras bring; a vendor
# integration alone works without them.
with contextlib.suppress(ImportError):
    from ff_otel._served_request import ServedRequest, WebRequests
    from ff_otel._server_span import ServerSpan, ServerSpans, name_after_route, span_method

__all__ = [
    "ANONYMOUS_ID_KEY",
    "PREFIX",
    "SESSION_ID_PURPOSE",
    "AdapterOptionKeywords",
    "AdapterOptions",
    "AsyncStream",
    "CheckedOnce",
    "ClosingBody",
    "ContextBuilder",
    "ExcludedUrls",
    "IdentityLookup",
    "ImportedCallable",
    "OptionKeywords",
    "RequestScope",
    "ServedRequest",
    "ServerSpan",
    "ServerSpans",
    "SyncStream",
    "WebRequests",
    "activate",
    "activate_defaults",
    "call_safely",
    "current_layer",
    "current_span",
    "end_request_context",
    "forget_loose_context",
    "killed",
    "name_after_route",
    "option_signature",
    "options_from_environ",
    "report",
    "request_in_flight",
    "resolve_dotted_paths",
    "semconv",
    "span_method",
    "split_options",
    "start_request_context",
    "track_openfeature_evaluations",
    "variable_name",
    "visitor_identity",
]
