"""What every framework's impact test app does: a checkout whose `on` variant is slower and fails.

The variant is chosen by the request's cohort (the `X-Cohort` header, put into the evaluation context by the
app's `context_builder`), so the test knows exactly how many requests each variant served. Under `on`, odd
orders raise `CheckoutError` (the framework answers 500) and even ones answer 503; under `off` all answer 200.
"""

from __future__ import annotations

from typing import Any

from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails, Reason
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

from tests.histograms import Series, counts

FLAG = "checkout-v2"
"""The impact flag."""
OTHER_FLAG = "banner-color"
"""Evaluated too, but not listed: it never reaches the histogram."""
BETA = "beta"
"""The cohort that gets `on`."""
COHORT_HEADER = "X-Cohort"


class CheckoutError(RuntimeError):
    """The new checkout's failure, raised on purpose."""


def _by_cohort(flag: InMemoryFlag[bool], context: EvaluationContext) -> FlagResolutionDetails[bool]:
    variant = "on" if context.attributes.get("cohort") == BETA else "off"
    return FlagResolutionDetails(flag.variants[variant], variant=variant, reason=Reason.TARGETING_MATCH)


def use_checkout_flags() -> None:
    """Serve the two flags from OpenFeature's InMemoryProvider, ready before the first request."""
    flags: dict[str, InMemoryFlag[Any]] = {
        FLAG: InMemoryFlag("off", {"on": True, "off": False}, context_evaluator=_by_cohort),
        OTHER_FLAG: InMemoryFlag("red", {"red": "#c05543", "blue": "#0000ff"}),
    }
    api.set_provider_and_wait(InMemoryProvider(flags))


def cohort_context(request: Any) -> dict[str, str]:
    """The apps' `context_builder`: the cohort from the request's header (every framework's request has headers)."""
    return {"cohort": request.headers.get(COHORT_HEADER, "")}


def new_checkout() -> bool:
    """Evaluate the flags as the checkout view does: the impact flag twice (it counts once), the other once."""
    client = api.get_client()
    enabled = client.get_boolean_value(FLAG, False)
    client.get_string_value(OTHER_FLAG, "#000000")
    client.get_boolean_value(FLAG, False)
    return enabled


def checkout_status(order: int, enabled: bool) -> int:
    """The status the checkout answers, or CheckoutError for an odd order under the new checkout."""
    if not enabled:
        return 200
    if order % 2:
        raise CheckoutError(f"order {order} failed in the new checkout")
    return 503


def headers(cohort: str) -> dict[str, str]:
    return {COHORT_HEADER: cohort}


ORDERS = {BETA: range(1, 7), "stable": range(1, 11)}
"""The requests each test sends: six under `on` (three raise, three answer 503), ten under `off`."""
ALLOWED_ATTRIBUTES = {
    "feature_flag.key",
    "feature_flag.result.variant",
    "http.request.method",
    "http.route",
    "http.response.status_code",
    "error.type",
}


def assert_checkout_impact(series: list[Series], *, route: str, exception_status: int | None) -> None:
    """Exactly the requests of `ORDERS`, per variant, with their status codes and error types.

    `exception_status` is the status code the adapter saw for a request whose view raised: 500 where the
    framework turns the exception into a response inside the adapter, None where it does so outside.
    """
    assert {one.attributes["feature_flag.key"] for one in series} == {FLAG}, series
    assert all(set(one.attributes) <= ALLOWED_ATTRIBUTES for one in series), [one.attributes for one in series]
    routes = {(one.attributes["http.request.method"], one.attributes.get("http.route")) for one in series}
    assert routes == {("GET", route)}, routes
    outcomes = counts(series, "feature_flag.result.variant", "http.response.status_code", "error.type")
    raised, unavailable = len([n for n in ORDERS[BETA] if n % 2]), len([n for n in ORDERS[BETA] if not n % 2])
    expected = {
        ("on", exception_status, "CheckoutError"): raised,
        ("on", 503, "503"): unavailable,
        ("off", 200, None): len(ORDERS["stable"]),
    }
    assert outcomes == expected, outcomes
