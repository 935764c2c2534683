"""Faults around ff-otel, each in its own test: the app keeps serving normally and telemetry stays truthful.

The receiver down, slow or answering 500; the flag file unreadable or malformed mid-run; the session store or the
user lookup raising; a user callback raising. Zero failed requests.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests._support.receiver import Attempt, Receiver
from tests._support.waiting import wait_until
from tests.e2e.apps.callbacks import CONTEXT_BUILDER_FAULT, SESSION_STORE_FAULT, USER_LOOKUP_FAULT
from tests.e2e.checks import assert_exact_delivery, assert_valid_values, evaluation_events, spans_by_trace
from tests.e2e.client import Load, LoadReport, Outcome, Visitor, send
from tests.e2e.conftest import EXPORT_TIMEOUT_SECONDS, FLAGS_SOURCE, Workspace
from tests.e2e.servers import DJANGO_GUNICORN, FASTAPI_GUNICORN, FLASK_GUNICORN, Server

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("clean")]

DEPLOYMENTS = [
    pytest.param(DJANGO_GUNICORN, id="django"),
    pytest.param(FLASK_GUNICORN, id="flask"),
    pytest.param(FASTAPI_GUNICORN, id="fastapi"),
]
FAULT_REQUESTS = 300
RECOVERY_REQUESTS = 200
GAVE_UP = "Failed to export spans batch"
"""What the OTLP exporter logs when it gives up on a batch of spans (after its retries, or at once)."""


def run(server: Server, workspace: Workspace, flag_requests: int, *, seed: int, concurrency: int = 20) -> LoadReport:
    framework = server.deployment.framework
    load = Load(server.url, framework, workspace.secret_key, flag_requests=flag_requests, concurrency=concurrency,
                seconds=60, seed=seed)  # fmt: skip
    report = load.run()
    assert report.failures == []
    assert len(report.flag_outcomes) == flag_requests
    return report


@pytest.mark.parametrize("fault", ["down", "slow", "error"])
@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_receiver_fault_leaves_the_app_serving_normally(
    app_server: Server, receiver: Receiver, workspace: Workspace, fault: str
) -> None:
    given_up_before = app_server.log().count(GAVE_UP)
    if fault == "down":
        receiver.down()
    else:
        receiver.mode = "slow" if fault == "slow" else "error"
        receiver.slow_seconds = EXPORT_TIMEOUT_SECONDS * 2
    during = run(app_server, workspace, FAULT_REQUESTS, seed=81)
    during_traces = {outcome.trace_id for outcome in during.outcomes}
    if fault == "down":
        # Connection refused: each worker's exporter retries, then gives up on (drops) what it could not send.
        given_up = app_server.deployment.processes
    else:
        # Every span of the fault reaches the receiver's door once, and the exporter gives up on each attempt. A
        # request's server span ends after its other spans, and each process exports its spans in the order they
        # ended: once every server span has been attempted, every span has.
        assert receiver.wait_for(lambda r: during_traces <= _attempted_server_traces(r.attempts), timeout=30)
        given_up = len([a for a in receiver.snapshot()[3] if {trace for trace, _ in a.spans} & during_traces])
    wait_until(lambda: app_server.log().count(GAVE_UP) - given_up_before >= given_up, timeout=30,
               what=f"the exporters to give up on {given_up} span batches")  # fmt: skip
    if fault == "down":
        receiver.up()
    receiver.mode = "ok"
    after = run(app_server, workspace, RECOVERY_REQUESTS, seed=82)

    # The exporter recovered: everything made after the fault arrives, exactly once.
    delivery = assert_exact_delivery(receiver, after.outcomes, exclusive=False)
    assert delivery.events == delivery.evaluations
    spans, _, _, attempts = receiver.snapshot()
    delivered = [span for span in spans if span.trace_id in during_traces]
    if fault == "down":
        # Connection refused: retried with backoff within the export timeout, then dropped; never duplicated.
        assert len({span.span_id for span in delivered}) == len(delivered)
    else:
        # 500 is not a retryable status, and a read timeout uses up the whole export deadline: one attempt per
        # batch, never accepted, so none of those spans is ever delivered.
        assert delivered == []
        attempted = [span for attempt in attempts for span in attempt.spans if span[0] in during_traces]
        assert len(attempted) == len(set(attempted))


def _attempted_server_traces(attempts: list[Attempt]) -> set[str]:
    return {trace_id for attempt in attempts for trace_id in attempt.server_traces}


BROKEN_FLAGS = {
    "flags": {
        key: {"state": "ENABLED", "variants": {"on": True}, "defaultVariant": "gone"}
        for key in ("new-checkout", "banner-color", "max-items", "layout")
    }
}


def _replace(path: Path, content: str | None) -> None:
    """Swap the flag file for `content`, or for a directory (unreadable as a file) when None."""
    if path.is_dir():
        shutil.rmtree(path)
    if content is None:
        path.unlink()
        path.mkdir()
    else:
        staged = path.with_name("flags.staged")
        staged.write_text(content)
        staged.replace(path)


def _phase(server: Server, workspace: Workspace, receiver: Receiver, seed: int) -> list[dict[str, object]]:
    report = run(server, workspace, 60, seed=seed, concurrency=10)
    assert_exact_delivery(receiver, report.outcomes, exclusive=False)
    traces = spans_by_trace(receiver.snapshot()[0])
    return [event for o in report.outcomes for span in traces[o.trace_id] for event in evaluation_events(span)]


@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_flag_file_turning_bad_mid_run_falls_back_without_failing(
    app_server: Server, receiver: Receiver, workspace: Workspace
) -> None:
    good = json.loads(FLAGS_SOURCE.read_text())["flags"]
    healthy = _phase(app_server, workspace, receiver, seed=1)
    assert healthy
    assert all("error.type" not in event for event in healthy)

    workspace.change_flags(lambda path: _replace(path, '{"flags": {"new-checkout": '), "failed")  # malformed JSON
    malformed = _phase(app_server, workspace, receiver, seed=2)
    workspace.change_flags(lambda path: _replace(path, None), "failed")  # a path that cannot be read as a file
    unreadable = _phase(app_server, workspace, receiver, seed=3)
    # flagd keeps serving the last flags it could read, and says so in its log; evaluations go on unchanged.
    for event in malformed + unreadable:
        assert "error.type" not in event
        assert event["feature_flag.result.variant"] in good[event["feature_flag.key"]]["variants"]

    # Readable, but no flag can resolve.
    workspace.change_flags(lambda path: _replace(path, json.dumps(BROKEN_FLAGS)), "loaded")
    broken = _phase(app_server, workspace, receiver, seed=4)
    assert broken
    for event in broken:
        assert event["error.type"] == "general"
        assert event["feature_flag.result.reason"] == "error"
        assert "feature_flag.result.variant" not in event
        assert 0 < len(str(event["feature_flag.error.message"])) <= 256

    workspace.change_flags(lambda _: workspace.restore_flags(), "loaded")
    restored = _phase(app_server, workspace, receiver, seed=5)
    assert all("error.type" not in event for event in restored)
    assert assert_valid_values(receiver.snapshot()[0]) > 0
    assert "Could not parse JSON flag data from file" in app_server.log()


LOOKUP_FAULTS = [
    pytest.param(DJANGO_GUNICORN, SESSION_STORE_FAULT, id="django-session-store"),
    pytest.param(DJANGO_GUNICORN, USER_LOOKUP_FAULT, id="django-user-lookup"),
    pytest.param(FLASK_GUNICORN, USER_LOOKUP_FAULT, id="flask-user-lookup"),
    pytest.param(FASTAPI_GUNICORN, USER_LOOKUP_FAULT, id="fastapi-user-lookup"),
]
SIGNED_IN = 20


def _signed_in_visitors(server: Server, workspace: Workspace) -> list[Visitor]:
    visitors = [Visitor() for _ in range(SIGNED_IN)]
    for number, visitor in enumerate(visitors, start=1):
        framework = server.deployment.framework
        outcome = send(server.url, "POST", f"/login/{number}", visitor, framework=framework,
                       secret_key=workspace.secret_key)  # fmt: skip
        assert outcome.status == 200
        visitor.user = number
    return visitors


def _browse(server: Server, workspace: Workspace, visitors: list[Visitor], expect_user: bool) -> list[Outcome]:
    def one(visitor: Visitor) -> Outcome:
        framework = server.deployment.framework
        outcome = send(server.url, "GET", "/flags?n=3", visitor, framework=framework, secret_key=workspace.secret_key)
        return outcome if expect_user else _anonymous(outcome)

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(one, visitors * 3, timeout=60))
    assert [outcome.status for outcome in outcomes] == [200] * len(outcomes)
    return outcomes


def _anonymous(outcome: Outcome) -> Outcome:
    from dataclasses import replace

    return replace(outcome, expected_context_id=None)


@pytest.mark.parametrize(("app_server", "fault"), LOOKUP_FAULTS, indirect=["app_server"])
def test_failing_session_store_or_user_lookup_makes_requests_anonymous(
    app_server: Server, receiver: Receiver, workspace: Workspace, fault: str
) -> None:
    visitors = _signed_in_visitors(app_server, workspace)
    (workspace.faults / fault).touch()
    failing = _browse(app_server, workspace, visitors, expect_user=False)
    (workspace.faults / fault).unlink()
    recovered = _browse(app_server, workspace, visitors, expect_user=True)

    delivery = assert_exact_delivery(receiver, failing + recovered, exclusive=False)
    assert delivery.events == delivery.evaluations == 3 * len(failing + recovered)
    assert_logged_once_per_process(app_server, "ff_otel could not look up the request's user or session")


@pytest.mark.parametrize("app_server", DEPLOYMENTS, indirect=True)
def test_failing_context_builder_keeps_identity_and_responses(
    app_server: Server, receiver: Receiver, workspace: Workspace
) -> None:
    visitors = _signed_in_visitors(app_server, workspace)
    (workspace.faults / CONTEXT_BUILDER_FAULT).touch()
    failing = _browse(app_server, workspace, visitors, expect_user=True)

    delivery = assert_exact_delivery(receiver, failing, exclusive=False)
    assert delivery.events == delivery.evaluations
    assert_logged_once_per_process(app_server, "ff_otel context_builder raised")


def assert_logged_once_per_process(server: Server, problem: str) -> None:
    """ff-otel logs a problem once per process (a warning with the traceback), never once per request."""
    assert 1 <= server.log().count(problem) <= server.deployment.processes
