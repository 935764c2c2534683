"""Every telemetry name ff-otel emits, and how one evaluation maps onto them.

This is the only module that spells the attribute and event names: the OpenTelemetry feature-flag semantic
conventions (v1.44, release candidate), the OpenFeature spec's Appendix D, and the older names that many
backends still read.
"""

from __future__ import annotations

from typing import Final, Literal

SemconvMode = Literal["latest", "legacy", "both"]
SEMCONV_MODES: Final = ("latest", "legacy", "both")

# Event names.
EVALUATION_EVENT: Final = "feature_flag.evaluation"
LEGACY_EVENT: Final = "feature_flag"

# The span of one evaluation (Appendix D's "standalone spans" pattern; the conventions define no span).
EVALUATION_SPAN: Final = "feature_flag.evaluation"

# An exception, as OpenTelemetry's general conventions record it (a span event or a log-based event).
EXCEPTION_EVENT: Final = "exception"
EXCEPTION_TYPE: Final = "exception.type"
EXCEPTION_MESSAGE: Final = "exception.message"
EXCEPTION_STACKTRACE: Final = "exception.stacktrace"

# Current attributes (semantic conventions v1.44, Appendix D).
KEY: Final = "feature_flag.key"
RESULT_VARIANT: Final = "feature_flag.result.variant"
RESULT_VALUE: Final = "feature_flag.result.value"
RESULT_REASON: Final = "feature_flag.result.reason"
PROVIDER_NAME: Final = "feature_flag.provider.name"
CONTEXT_ID: Final = "feature_flag.context.id"
SET_ID: Final = "feature_flag.set.id"
VERSION: Final = "feature_flag.version"
ERROR_TYPE: Final = "error.type"
ERROR_MESSAGE: Final = "feature_flag.error.message"

# Appendix D names the message `error.message`; `both` mode carries it too.
APPENDIX_D_ERROR_MESSAGE: Final = "error.message"

# Pre-1.32 names (the older span and log conventions).
LEGACY_PROVIDER_NAME: Final = "feature_flag.provider_name"
LEGACY_VARIANT: Final = "feature_flag.variant"

# Flag metadata keys that Appendix D maps onto attributes.
METADATA_CONTEXT_ID: Final = "contextId"
METADATA_FLAG_SET_ID: Final = "flagSetId"
METADATA_VERSION: Final = "version"

# ff-otel's own span attributes live in its own namespace, as OpenTelemetry asks of custom attributes.
# The per-request summary on the request span, for backends that do not index span events:
SUMMARY_FLAGS: Final = "ff_otel.flags"  # distinct "key=variant" strings, capped
SUMMARY_FLAG_COUNT: Final = "ff_otel.flags.count"  # distinct flags, uncapped
SUMMARY_EVALUATION_COUNT: Final = "ff_otel.evaluations"  # every evaluation in the request
# On any span that reached `max_events_per_span`: the evaluations not recorded as events.
DROPPED_EVENTS: Final = "ff_otel.evaluations.dropped"

# Metrics, named as the OpenFeature SDKs' metrics hooks name them.
METRIC_REQUESTS: Final = "feature_flag.evaluation_requests_total"
METRIC_SUCCESS: Final = "feature_flag.evaluation_success_total"
METRIC_ERRORS: Final = "feature_flag.evaluation_error_total"
METRIC_ACTIVE: Final = "feature_flag.evaluation_active_count"
METRIC_DURATION: Final = "feature_flag.evaluation.duration"


def event_name(mode: SemconvMode) -> str:
    """The span event and log record name for one evaluation in `mode`."""
    return LEGACY_EVENT if mode == "legacy" else EVALUATION_EVENT


# Flag impact: each request's server-side duration per variant of the flags an application lists.
METRIC_REQUEST_DURATION: Final = "ff_otel.request.duration"
# The HTTP semantic conventions' (stable) request attributes, as on `http.server.request.duration`.
HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_ROUTE: Final = "http.route"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
HTTP_KNOWN_METHODS: Final = frozenset({"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"})
# What the HTTP conventions call a method outside the known set; here also every variant past the bound.
OTHER: Final = "_OTHER"
# The bucket boundaries OpenTelemetry advises for `http.server.request.duration`, in seconds.
REQUEST_DURATION_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
