"""The API for adapter authors: what a web framework or flag-vendor integration builds on, and nothing private.

An adapter turns ff-otel on with `activate(options)`, wraps each request in a `RequestScope`, and reports its own
faults through `report` / `call_safely`, so that telemetry never breaks the application. `semconv` holds every
telemetry name ff-otel emits, for tools that read what it wrote.

Usage (inside an adapter)::

    installation = activate(core_options)
    if installation.active:
        with RequestScope(request, find_identity=find_user, options=adapter_options, core=core_options, span=span):
            response = handle(request)
"""

from __future__ import annotations

import contextlib

from ff_otel import _semconv as semconv
from ff_otel._adapter_options import AdapterOptions, ContextBuilder, IdentityLookup, split_options
from ff_otel._context import current_layer, forget_loose_context
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
    "track_openfeature_evaluations",
    "variable_name",
    "visitor_identity",
]
