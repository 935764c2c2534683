"""ff-otel for the Split SDK: every treatment the client hands out as OpenTelemetry telemetry.

Usage::

    import ff_otel_split
    ff_otel_split.instrument()      # every Split client, sync and asyncio, from now on
"""

from __future__ import annotations

try:
    import splitio as _splitio  # noqa: F401 - fail here, with the extra to install, not at the first treatment
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError("ff_otel_split needs the Split SDK: pip install 'ff-otel[split]'") from error

from ff_otel_split._instrument import instrument, is_instrumented, uninstrument
from ff_otel_split._treatments import PROVIDER_NAME

__all__ = ["PROVIDER_NAME", "instrument", "is_instrumented", "uninstrument"]
