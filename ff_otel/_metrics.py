"""Evaluation metrics: the counters of the OpenFeature SDKs' metrics hooks, plus an opt-in duration histogram.

An SDK counter's `add` costs several microseconds (attribute checks, a lock, an aggregation lookup), about as much
as the evaluation it counts. So evaluations are counted here, in one dict under one lock, and handed to the SDK
through observable instruments when a reader collects: same names, units and attributes, exact totals, and a
fraction of the cost on the evaluation path.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from opentelemetry.metrics import (
    CallbackOptions,
    Histogram,
    MeterProvider,
    NoOpObservableCounter,
    Observation,
    get_meter,
)
from opentelemetry.metrics import _internal as _metrics_internal
from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._safe import report
from ff_otel._version import __version__

START_KEY = "ff_otel.start"

Series = tuple[str | None, str | None, str | None, str | None, str | None, bool]
"""(flag key, variant, reason, provider name, error type, failed): one data point's attributes, and whether it
counts as an error (also when `error.type` itself is excluded from what is recorded)."""


_GLOBAL = object()
"""The key of the instruments made for the global meter provider, whatever stands behind it over time."""

_shared: weakref.WeakKeyDictionary[object, Instruments] = weakref.WeakKeyDictionary()
_shared_global: list[Instruments] = []
_shared_lock = threading.Lock()


class Instruments:
    """The instruments, the in-process counts behind them, and a cheap answer to "is anyone collecting?".

    One set per meter provider, shared by every installation that uses it: an SDK meter keeps the callbacks of
    the first observable instrument of a name, and cumulative totals must never start again from zero.
    """

    __slots__ = (
        "__weakref__",
        "_counts",
        "_lock",
        "_meter",
        "_under_way",
        "duration",
        "follows_global",
        "known_live",
        "requests",
    )

    @classmethod
    def shared(cls, meter_provider: MeterProvider | None, duration: bool) -> Instruments:
        """The instruments of `meter_provider` (None: the global one), made on first use."""
        with _shared_lock:
            found = _shared_global[0] if meter_provider is None and _shared_global else None
            if meter_provider is not None:
                found = _shared.get(meter_provider)
            if found is None:
                found = cls(meter_provider)
                if meter_provider is None:
                    _shared_global.append(found)
                else:
                    _shared[meter_provider] = found
            if duration and found.duration is None:
                found.duration = found._meter.create_histogram(
                    semconv.METRIC_DURATION, "s", "Duration of flag evaluations"
                )
            return found

    def __init__(self, meter_provider: MeterProvider | None) -> None:
        meter = self._meter = get_meter("ff_otel", __version__, meter_provider=meter_provider)
        self.follows_global = meter_provider is None
        """True for the global meter provider's instruments: not live while no global provider is set."""
        self._lock = threading.Lock()
        self._counts: dict[Series, int] = {}
        self._under_way: list[None] = []
        """One item per evaluation under way: appending and popping are atomic, so no lock is needed."""
        self.known_live = False
        """Set once a real meter provider was found behind the instruments: read it before calling `live()`."""
        self.requests = meter.create_observable_counter(
            semconv.METRIC_REQUESTS, [self._observe_requests], "{request}", "Flag evaluations requested"
        )
        meter.create_observable_counter(
            semconv.METRIC_SUCCESS, [self._observe_success], "{request}", "Flag evaluations that succeeded"
        )
        meter.create_observable_counter(
            semconv.METRIC_ERRORS, [self._observe_errors], "{request}", "Flag evaluations that failed"
        )
        meter.create_observable_up_down_counter(
            semconv.METRIC_ACTIVE, [self._observe_active], "{request}", "Flag evaluations under way"
        )
        self.duration: Histogram | None = None

    def live(self) -> bool:
        """True once a real meter provider stands behind the instruments."""
        if self.known_live:
            return True
        if self.follows_global and _metrics_internal._METER_PROVIDER is None:
            return False  # nothing set globally yet: answered without looking behind the proxies
        # Instruments made before the SDK was configured are proxies that forward once it is: look behind them.
        real = getattr(self.requests, "_real_instrument", self.requests)
        self.known_live = real is not None and not isinstance(real, NoOpObservableCounter)
        return self.known_live

    def started(self, data: MutableMapping[str, Any], timed: bool) -> None:
        """Note an evaluation under way (and, when `timed`, its start for the duration histogram)."""
        # The mark also tells `count` that this evaluation was counted as under way.
        data[START_KEY] = time.perf_counter() if timed else True
        self._under_way.append(None)

    def count(self, series: Series, data: Mapping[str, Any] | None) -> None:
        """Count one finished evaluation in `series` (key, variant, reason, provider name, error type as the provider
        named them, None where not recorded, and whether it failed); `data` is what `started` noted, if it ran."""
        started = None if data is None else data.get(START_KEY)
        lock = self._lock
        lock.acquire()  # rather than `with`: no bound `__enter__`/`__exit__` to make, once per evaluation
        try:
            self._counts[series] = self._counts.get(series, 0) + 1
        finally:
            lock.release()
        if started is not None and self._under_way:  # never below zero, whatever a caller did twice
            self._under_way.pop()
        if type(started) is float and self.duration is not None:
            try:  # counted already: a histogram that fails must not make the evaluation look uncounted
                self.duration.record(time.perf_counter() - started, self._attributes(series))
            except Exception as error:
                report("ff_otel could not record a flag evaluation's duration", error)

    def abandoned(self, data: Mapping[str, Any]) -> None:
        """An evaluation `started` noted ended with no answer (cancelled, interrupted): no longer under way."""
        if data.get(START_KEY) is not None and self._under_way:
            self._under_way.pop()

    def _observe_requests(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observations(lambda failed: True)

    def _observe_success(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observations(lambda failed: not failed)

    def _observe_errors(self, options: CallbackOptions) -> Iterable[Observation]:
        return self._observations(lambda failed: failed)

    def _observe_active(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(len(self._under_way))]

    def _observations(self, wanted: Callable[[bool], bool]) -> list[Observation]:
        with self._lock:
            counts = list(self._counts.items())
        return [Observation(count, self._attributes(series)) for series, count in counts if wanted(series[5])]

    @staticmethod
    def _attributes(series: Series) -> dict[str, AttributeValue]:
        key, variant, reason, provider_name, error_type, _ = series
        attributes: dict[str, AttributeValue] = {}
        if key is not None:
            attributes[semconv.KEY] = key
        if variant is not None:
            attributes[semconv.RESULT_VARIANT] = variant
        if reason is not None:
            attributes[semconv.RESULT_REASON] = reason
        if provider_name is not None:
            attributes[semconv.PROVIDER_NAME] = provider_name
        if error_type is not None:
            attributes[semconv.ERROR_TYPE] = error_type
        return attributes
