"""ff-otel: every OpenFeature flag evaluation as OpenTelemetry telemetry.

Usage::

    import ff_otel
    ff_otel.install()
    with ff_otel.evaluation_context(targeting_key="user-42"):
        client.get_boolean_value("new-checkout", False)   # a span event, or a log record outside a span
"""

from __future__ import annotations

from typing import Any

from ff_otel._context import evaluation_context, identify
from ff_otel._identity import Identity, pseudonymize
from ff_otel._install import ENABLED_ENV, Installation, current_installation, install, uninstall
from ff_otel._options import AttributeMapper, EventMutator, EventsMode, Options
from ff_otel._record_evaluation import record_evaluation
from ff_otel._semconv import SemconvMode
from ff_otel._version import __version__

__all__ = [
    "ENABLED_ENV",
    "AttributeMapper",
    "EventMutator",
    "EventsMode",
    "Identity",
    "Installation",
    "Options",
    "SemconvMode",
    "__version__",
    "current_installation",
    "evaluation_context",
    "identify",
    "install",
    "pseudonymize",
    "record_evaluation",
    "uninstall",
]

# Names for adapter authors, which live in `ff_otel.integration`; still reachable here for code written before.
_ADAPTER_NAMES = frozenset(
    {"AdapterOptions", "ContextBuilder", "ExcludedUrls", "IdentityLookup", "RequestScope", "split_options"}
)


def __getattr__(name: str) -> Any:
    if name in _ADAPTER_NAMES:
        from ff_otel import integration

        return getattr(integration, name)
    if name == "FeatureFlagHook":  # the fallback recording path, for an SDK the client wrapper does not know
        from ff_otel._hook import FeatureFlagHook

        return FeatureFlagHook
    raise AttributeError(f"module 'ff_otel' has no attribute {name!r}")
