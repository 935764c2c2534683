"""One shop's traffic, traced for real, with what the report must find in it.

Ninety requests to /checkout: `new-checkout=on` (every third) is three times slower and fails often; `banner-color`
alternates independently and changes nothing. Requests are recorded in every semconv mode ff-otel writes, some with
the evaluation on a child span, some with the request summary only, some with evaluation spans; a few call a
downstream service whose own server span (its own request) evaluates `max-items`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from opentelemetry.trace import SpanKind

import ff_otel
from ff_otel import SemconvMode
from tests.impact.traces import MS, START_NS, Shop, evaluate, use_flags

REQUESTS = 90
SPACING_NS = 1_000 * MS  # one request a second


@dataclasses.dataclass
class Scenario:
    shop: Shop
    inventory: Shop
    requests: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)
    errors: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)

    def spans(self) -> list[object]:
        return [*self.shop.spans(), *self.inventory.spans()]

    def count(self, flag: str, variant: str, failed: bool) -> None:
        self.requests[flag, variant] += 1
        self.errors[flag, variant] += failed


def shop_traffic() -> Scenario:
    """Make the traffic; returns the services' spans and the per-variant counts the report must give."""
    use_flags()
    scenario = Scenario(Shop("shop"), Shop("inventory"))
    for n in range(REQUESTS):
        mode: SemconvMode = ("latest", "legacy", "both")[n % 3]
        # Every fifth request records one event per span: its new-checkout evaluation is in the summary only.
        summary_only = n % 5 == 4
        ff_otel.install(semconv=mode, max_events_per_span=1 if summary_only else None)
        checkout = "on" if n % 3 == 0 else "off"
        banner = "red" if n % 2 == 0 else "blue"
        start = START_NS + n * SPACING_NS
        if checkout == "on":
            duration = 15 * MS + (n % 7) * MS // 2
            status, error = (500, False) if n % 9 == 0 else (200, n % 9 == 3)
        else:
            duration = 5 * MS + (n % 7) * MS // 5
            status, error = (503, False) if n % 20 == 1 else (200, False)
        failed = status >= 500 or error
        with scenario.shop.request("/checkout", start, duration, status=status, error=error) as server:
            if summary_only:
                evaluate({"banner-color": banner})
            if n % 4 == 1 and not summary_only:  # in a child span, as FastAPI's endpoint span would hold it
                with scenario.shop.child("checkout.render", start + MS):
                    evaluate({"new-checkout": checkout})
            else:
                evaluate({"new-checkout": checkout})
            if n % 10 == 7:  # banner-color seen only as an evaluation span
                scenario.shop.evaluation_span("banner-color", banner, start + 2 * MS)
            elif not summary_only:
                evaluate({"banner-color": banner})
            if n % 6 == 2:  # a downstream call: inventory's server span is a request of its own
                with scenario.shop.child("GET inventory", start + 2 * MS, SpanKind.CLIENT) as client:
                    items = "five" if n % 12 == 2 else "ten"
                    with scenario.inventory.request("/stock", start + 3 * MS, 40 * MS, parent=client):
                        evaluate({"max-items": items})
                    scenario.count("max-items", items, False)
        del server
        scenario.count("new-checkout", checkout, failed)
        scenario.count("banner-color", banner, failed)
    ff_otel.uninstall()
    return scenario
