"""The core is a guest in OpenFeature: the application's hooks, propagator and context stay the application's."""

from __future__ import annotations

import logging
import threading

import pytest
from openfeature import api, transaction_context
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import FlagResolutionDetails
from openfeature.hook import Hook, HookContext, HookHints
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider
from openfeature.transaction_context import ContextVarsTransactionContextPropagator, TransactionContextPropagator

import ff_otel
from ff_otel import Identity
from ff_otel.integration import (
    AdapterOptions,
    RequestScope,
    end_request_context,
    forget_loose_context,
    start_request_context,
)
from tests.conftest import Telemetry


def _ff_otel_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ff_otel" and r.levelno == logging.WARNING]


class CountingHook(Hook):
    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def before(self, hook_context: HookContext, hints: HookHints) -> None:
        with self._lock:
            self.calls += 1


@pytest.mark.usefixtures("flags")
def test_uninstall_under_traffic_never_skips_or_reorders_the_applications_hooks() -> None:
    first, second = CountingHook(), CountingHook()
    api.add_hooks([first])
    ff_otel.install()
    api.add_hooks([second])
    client = api.get_client()
    stop = threading.Event()
    evaluations = [0] * 4

    def traffic(slot: int) -> None:
        while not stop.is_set():
            client.get_boolean_value("new-checkout", False)
            evaluations[slot] += 1

    workers = [threading.Thread(target=traffic, args=(slot,)) for slot in range(4)]
    for worker in workers:
        worker.start()
    for _ in range(50):
        ff_otel.uninstall()
        ff_otel.install()
    ff_otel.uninstall()
    stop.set()
    for worker in workers:
        worker.join()

    assert first.calls == second.calls == sum(evaluations)
    assert api.get_hooks() == [first, second]


def test_a_block_in_flight_keeps_its_targeting_through_an_uninstall() -> None:
    transaction_context.set_transaction_context_propagator(ContextVarsTransactionContextPropagator())
    ff_otel.install()
    with ff_otel.evaluation_context("alice"):
        ff_otel.uninstall()
        assert api.get_transaction_context().targeting_key == "alice"
    assert (
        type(transaction_context._evaluation_transaction_context_propagator) is ContextVarsTransactionContextPropagator
    )


def test_a_subclass_of_the_sdks_propagator_is_never_replaced_and_is_named_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class OwnPropagator(ContextVarsTransactionContextPropagator):
        pass

    own = OwnPropagator()
    transaction_context.set_transaction_context_propagator(own)
    ff_otel.install()
    for user in ("alice", "bob"):
        with ff_otel.evaluation_context(user):
            assert api.get_transaction_context().targeting_key == user

    assert transaction_context._evaluation_transaction_context_propagator is own
    assert api.get_transaction_context().targeting_key is None  # restored by value
    assert [w for w in _ff_otel_warnings(caplog) if "OwnPropagator" in w] != []
    assert len([w for w in _ff_otel_warnings(caplog) if "OwnPropagator" in w]) == 1


def test_identify_outside_a_request_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    ff_otel.install()
    for _ in range(100):
        ff_otel.identify("nobody")
    assert len([w for w in _ff_otel_warnings(caplog) if "identify()" in w]) == 1


def test_a_context_set_outside_any_block_ends_at_the_next_request_start() -> None:
    ff_otel.install()
    api.set_transaction_context(EvaluationContext("left-over"))
    assert api.get_transaction_context().targeting_key == "left-over"
    forget_loose_context()  # what an adapter does where a new request begins
    assert api.get_transaction_context().targeting_key is None


def test_a_request_ends_in_the_context_it_started_in_also_when_requests_nest() -> None:
    ff_otel.install()
    with ff_otel.evaluation_context(targeting_key="block"):
        start_request_context()  # what a framework's request-start signal runs
        api.set_transaction_context(EvaluationContext("outer-request"))
        start_request_context()  # a request served inside that one (a test client called from a view)
        api.set_transaction_context(EvaluationContext("inner-request"))
        end_request_context()
        assert api.get_transaction_context().targeting_key == "outer-request"
        end_request_context()
        assert api.get_transaction_context().targeting_key == "block"
        end_request_context()  # an end with no start noted: only what was set outside any block goes
        assert api.get_transaction_context().targeting_key == "block"
    assert api.get_transaction_context().targeting_key is None


def test_two_installs_that_disagree_are_said_once(caplog: pytest.LogCaptureFixture, telemetry: Telemetry) -> None:
    ff_otel.install(semconv="both")
    ff_otel.install(semconv="legacy")
    ff_otel.install(semconv="both")
    assert len([w for w in _ff_otel_warnings(caplog) if "different options" in w]) == 1


class ApplicationPropagator(TransactionContextPropagator):
    """An application's own propagator, which ff-otel keeps."""

    def __init__(self) -> None:
        self.context = EvaluationContext()

    def get_transaction_context(self) -> EvaluationContext:
        return self.context

    def set_transaction_context(self, transaction_context: EvaluationContext) -> None:
        self.context = transaction_context


def test_a_context_set_through_the_applications_propagator_before_a_request_binds_wins_over_its_identity(
    telemetry: Telemetry,
) -> None:
    beta = InMemoryFlag(
        "off",
        {"on": True, "off": False},
        context_evaluator=lambda flag, context: FlagResolutionDetails(
            context.targeting_key == "tenant-bob", variant="on" if context.targeting_key == "tenant-bob" else "off"
        ),
    )
    api.set_provider_and_wait(InMemoryProvider({"beta": beta}))
    transaction_context.set_transaction_context_propagator(ApplicationPropagator())
    ff_otel.install()
    # An application middleware before the adapter's, say.
    api.set_transaction_context(EvaluationContext("tenant-bob", {"tenant": "acme"}))

    scope = RequestScope(None, find_identity=lambda: Identity.user("alice"), options=AdapterOptions())
    with telemetry.tracer.start_as_current_span("request"), scope:
        assert api.get_client().get_boolean_value("beta", False) is True
        seen = api.get_transaction_context()
        assert (seen.targeting_key, seen.attributes["tenant"]) == ("tenant-bob", "acme")

    (span,) = telemetry.spans()
    (event,) = span.events
    assert (event.attributes or {})["feature_flag.context.id"] == "tenant-bob"
    assert api.get_transaction_context() == EvaluationContext("tenant-bob", {"tenant": "acme"})  # restored


@pytest.mark.usefixtures("flags")
def test_code_after_the_adapter_records_with_its_apps_options_until_the_request_ends(telemetry: Telemetry) -> None:
    ff_otel.install(capture_value="always")  # the options outside requests
    start_request_context()  # a framework's request start (Django's signal)
    scope = RequestScope(
        None,
        find_identity=lambda: Identity.user("alice"),
        options=AdapterOptions(),
        core=ff_otel.Options(capture_value="never"),
    )
    client = api.get_client()
    with telemetry.tracer.start_as_current_span("request"):
        scope.__enter__()
        client.get_boolean_value("new-checkout", False)
        scope.close(linger=True)  # the adapter is done; an outer middleware evaluates on the way out
        client.get_boolean_value("new-checkout", False)
    end_request_context()
    client.get_boolean_value("new-checkout", False)  # after the request: the process's options again

    (span,) = telemetry.spans()
    assert [("feature_flag.result.value" in (e.attributes or {})) for e in span.events] == [False, False]
    assert [(e.attributes or {}).get("feature_flag.context.id") for e in span.events] == ["alice", "alice"]
    (record,) = telemetry.logs()
    assert "feature_flag.result.value" in (record.log_record.attributes or {})
