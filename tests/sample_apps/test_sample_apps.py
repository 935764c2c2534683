"""Each sample app as a real server on 127.0.0.1, driven by the demo's script: what reached the OTLP collector."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest

import ff_otel
from ff_otel._semconv import (
    CONTEXT_ID,
    ERROR_TYPE,
    EVALUATION_EVENT,
    KEY,
    RESULT_REASON,
    RESULT_VARIANT,
    SET_ID,
    SUMMARY_EVALUATION_COUNT,
    SUMMARY_FLAG_COUNT,
    SUMMARY_FLAGS,
    VERSION,
)
from sample_apps.common.accounts import ACCOUNTS
from sample_apps.demo import DemoRun, Hit
from sample_apps.demo._visit import ANONYMOUS
from sample_apps.demo.records import SPAN_KIND_SERVER
from tests.sample_apps.conftest import SECRET_KEY
from tests.sample_apps.cookies import session_values

pytestmark = pytest.mark.slow

HOME_FLAGS = {"layout", "new-checkout", "banner-color", "max-items", "legacy-search"}
ADA, GRACE = ACCOUNTS


def flag_events(run: DemoRun, hit: Hit) -> list[Mapping[str, Any]]:
    """The flag evaluation events on any span of the request `hit`."""
    return [event.attributes for span in run.trace(hit) for event in span.events if event.name == EVALUATION_EVENT]


def find(run: DemoRun, visitor: str, method: str, path: str) -> list[Hit]:
    return [hit for hit in run.hits if (hit.visitor, hit.method, hit.path) == (visitor, method, path)]


def by_key(events: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(event[KEY]): event for event in events}


def test_the_app_serves_the_visit_and_stops_cleanly(demo_run: DemoRun) -> None:
    statuses = {(hit.method, hit.path): hit.status for hit in demo_run.hits}
    assert statuses == {("GET", "/"): 200, ("GET", "/login"): 200, ("POST", "/login"): 303, ("GET", "/account"): 200,
                        ("GET", "/beta"): 200}  # fmt: skip
    assert demo_run.exit_code == 0, demo_run.output


def test_each_request_has_exactly_one_server_span(demo_run: DemoRun) -> None:
    for hit in demo_run.hits:
        span = demo_run.request_span(hit)
        assert span is not None, f"no span for {hit.method} {hit.path}"
        assert span.kind == SPAN_KIND_SERVER
        assert [s.kind for s in demo_run.trace(hit)].count(SPAN_KIND_SERVER) == 1


def test_each_server_span_is_named_by_its_method_and_route(demo_run: DemoRun) -> None:
    for hit in demo_run.hits:
        span = demo_run.request_span(hit)
        assert span is not None
        method, _, route = span.name.partition(" ")
        assert (method, route.strip("/")) == (hit.method, hit.path.strip("/")), span.name  # Django: "GET login"


def test_home_page_evaluations_are_events_of_its_request(demo_run: DemoRun) -> None:
    home_hits = [hit for hit in demo_run.hits if hit.path == "/"]
    assert len(home_hits) == 4
    for hit in home_hits:
        events = flag_events(demo_run, hit)
        assert sorted(str(event[KEY]) for event in events) == sorted(HOME_FLAGS)
    for hit in demo_run.hits:
        if hit.path == "/login":
            assert flag_events(demo_run, hit) == []


def test_targeting_follows_email_domain_and_plan(demo_run: DemoRun) -> None:
    ada = by_key(flag_events(demo_run, find(demo_run, ADA.email, "GET", "/")[0]))
    grace = by_key(flag_events(demo_run, find(demo_run, GRACE.email, "GET", "/")[0]))
    assert (ada["new-checkout"][RESULT_VARIANT], ada["max-items"][RESULT_VARIANT]) == ("on", "pro")
    assert (grace["new-checkout"][RESULT_VARIANT], grace["max-items"][RESULT_VARIANT]) == ("off", "free")
    for events in (ada, grace):
        assert events["new-checkout"][RESULT_REASON] == "targeting_match"
        assert events["layout"][RESULT_REASON] == "static"
        assert events["legacy-search"][RESULT_REASON] == "disabled"
        assert events["banner-color"][RESULT_REASON] == "targeting_match"  # the rollout, keyed on the user
        assert events["banner-color"][RESULT_VARIANT] in {"red", "blue"}
    account = flag_events(demo_run, find(demo_run, ADA.email, "GET", "/account")[0])
    assert [(event[KEY], event[RESULT_VARIANT]) for event in account] == [("max-items", "pro")]


def test_events_carry_the_flag_set_metadata(demo_run: DemoRun) -> None:
    events = [event for hit in demo_run.hits for event in flag_events(demo_run, hit) if event[KEY] != "beta-dashboard"]
    assert events
    assert {event[SET_ID] for event in events} == {"storefront"}
    versions = {str(event[KEY]): event[VERSION] for event in events}
    assert versions.pop("max-items") == "2024-06-12"  # the flag's own metadata wins over the set's
    assert set(versions.values()) == {"2024-06-01"}


def test_a_missing_flag_is_an_error_event(demo_run: DemoRun) -> None:
    (beta,) = find(demo_run, ANONYMOUS, "GET", "/beta")
    (event,) = flag_events(demo_run, beta)
    assert (event[KEY], event[ERROR_TYPE], event[RESULT_REASON]) == ("beta-dashboard", "flag_not_found", "error")


def test_signed_in_users_are_their_ids(demo_run: DemoRun) -> None:
    for account in ACCOUNTS:
        hits = find(demo_run, account.email, "GET", "/") + find(demo_run, account.email, "GET", "/account")
        context_ids = {event.get(CONTEXT_ID) for hit in hits for event in flag_events(demo_run, hit)}
        assert context_ids == {str(account.id)}


def test_the_request_span_gets_the_flag_summary(demo_run: DemoRun) -> None:
    span = demo_run.request_span(find(demo_run, ADA.email, "GET", "/")[0])
    assert span is not None
    assert "new-checkout=on" in span.attributes[SUMMARY_FLAGS]
    assert (span.attributes[SUMMARY_FLAG_COUNT], span.attributes[SUMMARY_EVALUATION_COUNT]) == (5, 5)


def test_anonymous_visitors_keep_one_keyed_hash_of_a_random_id_in_their_session(demo_run: DemoRun) -> None:
    first, second = find(demo_run, ANONYMOUS, "GET", "/")
    (beta,) = find(demo_run, ANONYMOUS, "GET", "/beta")
    seen = [{event.get(CONTEXT_ID) for event in flag_events(demo_run, hit)} for hit in (first, second, beta)]
    # The same story in every framework: from the first visit on, one id that the adapter keeps in the session.
    assert seen[0] == seen[1] == seen[2]
    (context_id,) = seen[0]
    assert isinstance(context_id, str)
    assert re.fullmatch("[0-9a-f]{32}", context_id)
    if demo_run.framework == "django":
        return  # Django keeps the session's data, and the random id in it, on the server
    # Flask and Starlette keep it in the signed cookie: the id is its HMAC under the app's secret key.
    secrets_in_cookies = {value for cookie in first.cookies.values() for value in session_values(cookie)}
    assert context_id in {ff_otel.Identity.session(value, SECRET_KEY).targeting_key for value in secrets_in_cookies}


def test_no_raw_session_key_is_exported(demo_run: DemoRun) -> None:
    exported = json.dumps(demo_run.raw)
    secrets = {value for hit in demo_run.hits for value in hit.cookies.values()}
    secrets |= {value for hit in demo_run.hits for cookie in hit.cookies.values() for value in session_values(cookie)}
    secrets = {value for value in secrets if len(value) >= 16}  # short values ("1", True) are not secrets
    assert secrets
    assert [value for value in secrets if value in exported] == []


def test_evaluations_outside_requests_are_log_records(demo_run: DemoRun) -> None:
    records = [record for record in demo_run.logs if record.event_name == EVALUATION_EVENT]
    assert [
        (r.attributes[KEY], r.attributes[RESULT_VARIANT], r.attributes[CONTEXT_ID], r.trace_id) for r in records
    ] == [("cache-ttl-seconds", "short", "job:warm-up", "")]
