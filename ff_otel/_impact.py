"""Flag impact, live: each request's server-side duration per variant of the flags an application lists.

A hook sees an evaluation, not the request; the adapters see both. Each request notes the first variant every
listed flag resolved to, and when the request ends its duration goes once per noted flag into one histogram,
`ff_otel.request.duration`, next to the HTTP method, route, status code and error type. Cardinality stays bounded:
at most `max_impact_variants` variants per flag across the process, the rest as `_OTHER`, and nothing that names
a user.
"""

from __future__ import annotations

import threading
import time

from opentelemetry.metrics import Histogram, MeterProvider, NoOpHistogram, get_meter
from opentelemetry.util.types import AttributeValue

from ff_otel import _semconv as semconv
from ff_otel._adapter_options import AdapterOptions
from ff_otel._options import Options
from ff_otel._safe import report
from ff_otel._version import __version__

listening = False
"""True once an adapter lists impact flags; until then the recording path does no impact work at all."""


class VariantBound:
    """At most `limit` distinct variants per flag key; later ones become `_OTHER`. Thread-safe."""

    __slots__ = ("_lock", "_seen")

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def admit(self, key: str, variant: str, limit: int) -> str:
        """`variant` if it is one of the first `limit` variants seen for `key`, else `_OTHER`."""
        seen = self._seen.get(key)
        if seen is not None and variant in seen:
            return variant
        with self._lock:
            seen = self._seen.setdefault(key, set())
            if variant in seen or len(seen) < limit:
                seen.add(variant)
                return variant
        return semconv.OTHER

    def forget(self) -> None:
        """Start counting afresh (for tests)."""
        with self._lock:
            self._seen.clear()


VARIANTS = VariantBound()
"""Process-wide, so that two apps (or two adapters) in one process share one bound per flag."""


class Impact:
    """The impact histogram of one set of adapter options, and the flags it measures (see `impact_for`)."""

    __slots__ = ("flags", "histogram", "max_variants")

    def __init__(self, flags: frozenset[str], max_variants: int, meter_provider: MeterProvider | None) -> None:
        global listening
        self.flags = flags
        self.max_variants = max_variants
        self.histogram = _histogram(meter_provider)
        listening = True

    def begin(self) -> RequestImpact:
        """The impact state of a request starting now."""
        return RequestImpact(self)


_impacts: dict[tuple[frozenset[str], int, MeterProvider | None], Impact] = {}
_impacts_lock = threading.Lock()


def impact_for(options: Options | None, adapter_options: AdapterOptions) -> Impact | None:
    """The impact histogram of an adapter's options, made once; None when it lists no impact flags.

    Its meter provider is the adapter's `meter_provider` option, else the global one.
    """
    if not adapter_options.impact_flags:
        return None
    meter_provider = None if options is None else options.meter_provider
    key = (frozenset(adapter_options.impact_flags), adapter_options.max_impact_variants, meter_provider)
    impact = _impacts.get(key)
    if impact is None:
        with _impacts_lock:
            impact = _impacts.get(key)
            if impact is None:
                impact = _impacts[key] = Impact(key[0], key[1], meter_provider)
    return impact


class RequestImpact:
    """One request's side of the impact: when it started, and the first variant of each listed flag."""

    __slots__ = ("_ended", "_impact", "_started", "variants")

    def __init__(self, impact: Impact) -> None:
        self._impact = impact
        self._started = time.perf_counter()
        self._ended = False
        self.variants: dict[str, str | None] = {}

    def wants(self, key: str) -> bool:
        """True for a listed flag not yet noted in this request."""
        return key in self._impact.flags and key not in self.variants

    def note(self, key: str, variant: str | None) -> None:
        """Note what `key` resolved to, unless it was noted already: a request counts a flag's first variant."""
        self.variants.setdefault(key, variant)

    def end(
        self,
        method: str | None,
        route: str | None = None,
        status_code: int | None = None,
        error: BaseException | None = None,
    ) -> None:
        """Record the request's duration once per noted flag. Only the first call counts."""
        if self._ended:
            return
        self._ended = True
        if not self.variants:
            return
        duration = max(time.perf_counter() - self._started, 0.0)
        common = http_attributes(method, route, status_code, error)
        impact = self._impact
        for key, variant in list(self.variants.items()):
            attributes: dict[str, AttributeValue] = {semconv.KEY: key, **common}
            if variant is not None:
                attributes[semconv.RESULT_VARIANT] = VARIANTS.admit(key, variant, impact.max_variants)
            impact.histogram.record(duration, attributes)


def http_attributes(
    method: str | None, route: str | None, status_code: int | None, error: BaseException | None
) -> dict[str, AttributeValue]:
    """The HTTP attributes of one request, as the HTTP semantic conventions bound them."""
    attributes: dict[str, AttributeValue] = {semconv.HTTP_REQUEST_METHOD: known_method(method)}
    if isinstance(route, str) and route:
        attributes[semconv.HTTP_ROUTE] = route
    if isinstance(status_code, int) and not isinstance(status_code, bool):
        attributes[semconv.HTTP_RESPONSE_STATUS_CODE] = status_code
    if error is not None:
        attributes[semconv.ERROR_TYPE] = type(error).__qualname__
    elif isinstance(status_code, int) and status_code >= 500:
        attributes[semconv.ERROR_TYPE] = str(status_code)
    return attributes


def known_method(method: str | None) -> str:
    """`method` when the HTTP conventions know it, else `_OTHER` (a client can send any token as a method)."""
    if method in semconv.HTTP_KNOWN_METHODS:
        return method
    upper = method.upper() if isinstance(method, str) else None
    return upper if upper in semconv.HTTP_KNOWN_METHODS else semconv.OTHER


def value_label(value: object) -> str:
    """A flag value as the string that stands for its variant when the provider gave none."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _histogram(meter_provider: MeterProvider | None) -> Histogram:
    name, unit, description = semconv.METRIC_REQUEST_DURATION, "s", "Server-side request duration per flag variant"
    try:
        meter = get_meter("ff_otel", __version__, meter_provider=meter_provider)
        try:
            return meter.create_histogram(
                name, unit, description, explicit_bucket_boundaries_advisory=semconv.REQUEST_DURATION_BUCKETS
            )
        except TypeError:  # a meter written against an API older than the bucket advice
            return meter.create_histogram(name, unit, description)
    except Exception as error:  # a broken meter provider must not break the requests it would measure
        report("ff_otel could not create the flag impact histogram; impact is not recorded", error)
        return NoOpHistogram(name)
