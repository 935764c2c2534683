"""ff-otel for LaunchDarkly's Python server SDK: every evaluation as OpenTelemetry telemetry, through the SDK's hooks.

Usage::

    import ff_otel_launchdarkly
    ff_otel_launchdarkly.instrument(ldclient.get())     # or Config(..., hooks=[LaunchDarklyHook()])
"""

from __future__ import annotations

try:
    import ldclient as _ldclient  # noqa: F401 - fail here, with the extra to install, not deep inside a hook
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("ff_otel_launchdarkly needs the LaunchDarkly SDK: pip install 'ff-otel[launchdarkly]'") from error

from ff_otel_launchdarkly._hook import PROVIDER_NAME, LaunchDarklyHook
from ff_otel_launchdarkly._instrument import instrument, is_instrumented, uninstrument

__all__ = ["PROVIDER_NAME", "LaunchDarklyHook", "instrument", "is_instrumented", "uninstrument"]
