"""Bad input over the wire: odd flag values and metadata, odd cookies and headers. Every event stays valid OTLP
with every value within its length limit, and every request is answered normally."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests._support.receiver import Receiver
from tests.e2e.apps.echo import decode
from tests.e2e.checks import CONTEXT_ID, MAX_VALUE_LENGTH, assert_exact_delivery, assert_no_secrets, assert_valid_values
from tests.e2e.client import Outcome, Visitor, send
from tests.e2e.conftest import Workspace
from tests.e2e.servers import DJANGO_GUNICORN, FASTAPI_GUNICORN, FLASK_GUNICORN, Server

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean")]

DEPLOYMENTS = [
    pytest.param(DJANGO_GUNICORN, id="django"),
    pytest.param(FLASK_GUNICORN, id="flask"),
    pytest.param(FASTAPI_GUNICORN, id="fastapi"),
]
EXAMPLES = settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def described(kind: str, value: Any) -> dict[str, Any]:
    return {"t": kind, "v": value}


huge_text = st.integers(300, 200_000).map(lambda size: "é✓😀"[size % 3] * size)
scalars = st.one_of(
    st.text().map(lambda text: described("str", text)),
    huge_text.map(lambda text: described("str", text)),
    st.integers(-(2**80), 2**80).map(lambda number: described("int", number)),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-0.0"]).map(lambda text: described("float", text)),
    st.floats().map(lambda number: described("float", repr(number))),
    st.booleans().map(lambda flag: described("bool", flag)),
    st.binary(max_size=2000).map(lambda data: described("bytes", base64.b64encode(data).decode())),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5).map(lambda items: described("list", items)),
        st.dictionaries(st.text(max_size=20), inner, max_size=5).map(lambda items: described("dict", items)),
        inner.map(lambda item: described("cyclic", item)),
    ),
    max_leaves=20,
)
metadata = st.dictionaries(
    st.sampled_from(["flagSetId", "version", "contextId", "owner", "x" * 300]),
    st.one_of(
        st.text().map(lambda text: described("str", text)),
        huge_text.map(lambda text: described("str", text)),
        st.integers(-(2**63), 2**63 - 1).map(lambda number: described("int", number)),
        st.sampled_from(["nan", "inf"]).map(lambda text: described("float", text)),
    ),
)


@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_odd_flag_values_and_metadata_stay_valid_otlp(
    app_server: Server, receiver: Receiver, workspace: Workspace
) -> None:
    outcomes: list[Outcome] = []
    framework = app_server.deployment.framework

    @EXAMPLES
    @given(value=values, flag_metadata=metadata)
    def evaluate(value: dict[str, Any], flag_metadata: dict[str, Any]) -> None:
        body = json.dumps({"value": value, "metadata": flag_metadata}).encode()
        outcome = send(app_server.url, "POST", "/echo", Visitor(), framework=framework,
                       secret_key=workspace.secret_key, body=body)  # fmt: skip
        assert outcome.status == 200
        assert outcome.evaluations == 1
        # A provider's `contextId` metadata names the context (OpenFeature Appendix D), cut to the length limit.
        context_id = flag_metadata.get("contextId")
        expected = None if context_id is None else str(decode(context_id))[:MAX_VALUE_LENGTH]
        outcomes.append(dataclasses.replace(outcome, expected_context_id=expected))

    evaluate()
    delivery = assert_exact_delivery(receiver, outcomes)
    assert assert_valid_values(receiver.snapshot()[0]) == delivery.events == len(outcomes)


# Visible ASCII and Latin-1 letters, as HTTP carries them; no separators that would split a cookie.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters=";,\x7f", exclude_categories=["Cc"]),
    max_size=3000,
)


@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_odd_cookies_and_headers_are_served_anonymously_and_stay_valid(
    app_server: Server, receiver: Receiver, workspace: Workspace
) -> None:
    outcomes: list[Outcome] = []
    cookies_seen: list[str] = []
    framework = app_server.deployment.framework

    @EXAMPLES
    @given(cookie=header_text.map(str.strip), agent=header_text, baggage=header_text, language=header_text)
    def browse(cookie: str, agent: str, baggage: str, language: str) -> None:
        headers = {
            # The session cookies of all three frameworks, and one more, all holding the same odd value.
            "Cookie": f"sessionid={cookie}; session={cookie}; other={cookie}",
            "User-Agent": agent,
            "baggage": baggage,
            "Accept-Language": language,
        }
        outcome = send(app_server.url, "GET", "/flags?n=4", Visitor(), framework=framework,
                       secret_key=workspace.secret_key, headers=headers)  # fmt: skip
        assert outcome.status == 200
        cookies_seen.append(cookie)
        outcomes.append(outcome)

    browse()
    # A cookie that names no stored session is nobody: the events carry no context id at all.
    delivery = assert_exact_delivery(receiver, outcomes)
    spans, _, bodies, _ = receiver.snapshot()
    assert assert_valid_values(spans) == delivery.events == 4 * len(outcomes)
    assert all(CONTEXT_ID not in event.attributes for span in spans for event in span.events)
    assert_no_secrets(bodies, [workspace.secret_key, *(cookie for cookie in cookies_seen if len(cookie) >= 16)])


@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_lone_surrogate_in_a_flag_value_costs_no_span(
    app_server: Server, receiver: Receiver, workspace: Workspace
) -> None:
    # UTF-8 cannot encode a lone surrogate: recorded as it is, it would make the exporter drop its whole batch.
    framework = app_server.deployment.framework
    outcomes = []
    for text in ("before", "lone \ud800 surrogate", "after"):
        body = json.dumps({"value": described("str", text), "metadata": {"version": described("str", text)}})
        outcome = send(app_server.url, "POST", "/echo", Visitor(), framework=framework,
                       secret_key=workspace.secret_key, body=body.encode())  # fmt: skip
        assert outcome.status == 200
        outcomes.append(outcome)
    assert_exact_delivery(receiver, outcomes)
    recorded = {
        value for span in receiver.snapshot()[0] for event in span.events for value in event.attributes.values()
    }
    # The neighbours keep their values; the one that UTF-8 cannot carry is left out, not the event or the batch.
    assert {"before", "after"} <= recorded
