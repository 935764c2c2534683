"""ff-otel: every OpenFeature flag evaluation as OpenTelemetry telemetry.

Usage::

    import ff_otel
    ff_otel.install()
    with ff_otel.evaluation_context(targeting_key="user-42"):
        client.get_boolean_value("new-checkout", False)   # a span event, or a log record outside a span
"""

from __future__ import annotations

from ff_otel._adapter_options import AdapterOptions, ContextBuilder, IdentityLookup, split_options
from ff_otel._context import evaluation_context, identify
from ff_otel._hook import FeatureFlagHook
from ff_otel._identity import Identity, pseudonymize
from ff_otel._install import ENABLED_ENV, Installation, current_installation, install, uninstall
from ff_otel._options import AttributeMapper, EventMutator, EventsMode, Options
from ff_otel._record import record_evaluation
from ff_otel._request import RequestScope
from ff_otel._semconv import SemconvMode
from ff_otel._urls import ExcludedUrls
from ff_otel._version import __version__

__all__ = [
    "ENABLED_ENV",
    "AdapterOptions",
    "AttributeMapper",
    "ContextBuilder",
    "EventMutator",
    "EventsMode",
    "ExcludedUrls",
    "FeatureFlagHook",
    "Identity",
    "IdentityLookup",
    "Installation",
    "Options",
    "RequestScope",
    "SemconvMode",
    "__version__",
    "current_installation",
    "evaluation_context",
    "identify",
    "install",
    "pseudonymize",
    "record_evaluation",
    "split_options",
    "uninstall",
]
