"""Evaluation metrics: the counters of the OpenFeature SDKs' metrics hooks, plus a duration histogram."""

from __future__ import annotations

from opentelemetry.metrics import MeterProvider, NoOpCounter, get_meter

from ff_otel import _semconv as semconv
from ff_otel._version import __version__


class Instruments:
    """The instruments, and a cheap answer to "is anyone collecting them?"."""

    __slots__ = ("_live", "active", "duration", "errors", "requests", "success")

    def __init__(self, meter_provider: MeterProvider | None) -> None:
        meter = get_meter("ff_otel", __version__, meter_provider=meter_provider)
        self.requests = meter.create_counter(semconv.METRIC_REQUESTS, "{request}", "Flag evaluations requested")
        self.success = meter.create_counter(semconv.METRIC_SUCCESS, "{request}", "Flag evaluations that succeeded")
        self.errors = meter.create_counter(semconv.METRIC_ERRORS, "{request}", "Flag evaluations that failed")
        self.active = meter.create_up_down_counter(semconv.METRIC_ACTIVE, "{request}", "Flag evaluations under way")
        self.duration = meter.create_histogram(semconv.METRIC_DURATION, "s", "Duration of flag evaluations")
        self._live = False

    def live(self) -> bool:
        """True once a real meter provider stands behind the instruments."""
        if self._live:
            return True
        # Instruments made before the SDK was configured are proxies that forward once it is: look behind them.
        real = getattr(self.requests, "_real_instrument", self.requests)
        self._live = real is not None and not isinstance(real, NoOpCounter)
        return self._live
