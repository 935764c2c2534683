"""The transaction context is scoped to its block and always restored."""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from openfeature import api
from openfeature.evaluation_context import EvaluationContext
from openfeature.transaction_context import (
    ContextVarsTransactionContextPropagator,
    get_transaction_context,
    set_transaction_context,
    set_transaction_context_propagator,
)

import ff_otel
from tests.conftest import Telemetry


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _current_key() -> str | None:
    return get_transaction_context().targeting_key


def test_the_block_sets_the_context_and_restores_it_even_on_errors() -> None:
    ff_otel.install()
    assert _current_key() is None
    seen: list[EvaluationContext] = []

    def request() -> None:
        with ff_otel.evaluation_context("alice", attributes={"plan": "pro"}):
            seen.append(get_transaction_context())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        request()
    assert [(c.targeting_key, c.attributes) for c in seen] == [("alice", {"plan": "pro"})]
    assert _current_key() is None


def test_nested_blocks_restore_the_outer_one() -> None:
    ff_otel.install()
    with ff_otel.evaluation_context("outer"):
        with ff_otel.evaluation_context("inner"):
            assert _current_key() == "inner"
        assert _current_key() == "outer"
    assert _current_key() is None


def test_a_reused_thread_does_not_see_the_previous_requests_user() -> None:
    """The SDK's own propagator leaks here; ff-otel's, installed in its place, does not."""
    set_transaction_context_propagator(ContextVarsTransactionContextPropagator())
    ff_otel.install()
    seen: list[str | None] = []

    def request(user: str | None) -> None:
        if user is None:
            seen.append(_current_key())
            return
        with ff_otel.evaluation_context(user):
            seen.append(_current_key())

    with ThreadPoolExecutor(max_workers=1) as worker:  # one thread serves both requests
        worker.submit(request, "alice").result()
        worker.submit(request, None).result()
    assert seen == ["alice", None]


def test_the_sdk_propagator_alone_does_leak_which_is_why_it_is_replaced() -> None:
    set_transaction_context_propagator(ContextVarsTransactionContextPropagator())
    seen: list[str | None] = []

    def request(user: str | None) -> None:
        if user is not None:
            set_transaction_context(EvaluationContext(user))
        seen.append(_current_key())

    with ThreadPoolExecutor(max_workers=1) as worker:
        worker.submit(request, "alice").result()
        worker.submit(request, None).result()
    assert seen == ["alice", "alice"]


def test_threads_each_keep_their_own_context() -> None:
    ff_otel.install()
    barrier = threading.Barrier(8)
    mismatches: list[tuple[str, str | None]] = []

    def request(user: str) -> None:
        with ff_otel.evaluation_context(user):
            barrier.wait()
            for _ in range(200):
                if _current_key() != user:
                    mismatches.append((user, _current_key()))

    threads = [threading.Thread(target=request, args=(f"user-{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
    assert _current_key() is None


@pytest.mark.anyio
async def test_asyncio_tasks_each_keep_their_own_context() -> None:
    ff_otel.install()

    async def request(user: str) -> list[str | None]:
        async with ff_otel.evaluation_context(user):
            seen = []
            for _ in range(20):
                await asyncio.sleep(0)  # let the other requests' tasks run in between
                seen.append(_current_key())
            return seen

    results = await asyncio.gather(*(request(f"user-{i}") for i in range(10)))
    assert results == [[f"user-{i}"] * 20 for i in range(10)]
    assert _current_key() is None


def test_a_direct_set_inside_a_block_ends_with_the_block() -> None:
    ff_otel.install()
    with ff_otel.evaluation_context("alice"):
        set_transaction_context(EvaluationContext("bob"))
        assert _current_key() == "bob"
    assert _current_key() is None


def test_identify_rebinds_the_rest_of_the_block_and_warns_outside_one(caplog: pytest.LogCaptureFixture) -> None:
    ff_otel.install()
    with ff_otel.evaluation_context(attributes={"country": "NL"}):
        assert _current_key() is None
        ff_otel.identify(42, attributes={"plan": "pro"})
        context = get_transaction_context()
        assert context.targeting_key == "42"
        assert context.attributes == {"country": "NL", "plan": "pro"}
    assert _current_key() is None

    ff_otel.identify("nobody")
    assert "outside a request" in caplog.text
    assert _current_key() is None


def test_identify_outside_a_request_warns_once_however_often_it_is_called(caplog: pytest.LogCaptureFixture) -> None:
    ff_otel.install()
    caplog.set_level(logging.DEBUG, logger="ff_otel")

    for _ in range(1500):
        ff_otel.identify("nobody")

    ignored = [r for r in caplog.records if r.name == "ff_otel" and "outside a request" in r.getMessage()]
    assert [r.levelno for r in ignored if r.levelno >= logging.WARNING] == [logging.WARNING]
    assert _current_key() is None


def test_an_application_propagator_is_left_in_place_and_still_restored() -> None:
    class OwnPropagator:
        def __init__(self) -> None:
            self.context = EvaluationContext()

        def get_transaction_context(self) -> EvaluationContext:
            return self.context

        def set_transaction_context(self, context: EvaluationContext) -> None:
            self.context = context

    own = OwnPropagator()
    set_transaction_context_propagator(own)
    ff_otel.install()
    with ff_otel.evaluation_context("alice"):
        assert own.context.targeting_key == "alice"
    assert own.context.targeting_key is None


def test_a_lazy_identity_is_resolved_once_even_when_threads_race_for_it() -> None:
    from ff_otel._context import Layer, LazyIdentity

    calls: list[int] = []
    started = threading.Event()

    def slow_lookup() -> tuple[str | None, str | None, dict[str, object]]:
        calls.append(1)
        started.set()
        threading.Event().wait(0.05)  # a user lookup that takes a while
        return "alice", None, {}

    ff_otel.install()
    binding = Layer(None, LazyIdentity(slow_lookup)).bind(None)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            request_context = contextvars.copy_context()  # the threads of one request, as a thread pool runs them
            keys = list(pool.map(lambda _: request_context.copy().run(_current_key), range(8)))
    finally:
        binding.release()
    assert calls == [1]
    assert keys == ["alice"] * 8


class _Unreadable(dict[str, object]):
    """A mapping whose reading raises (a lazy settings object, say)."""

    def keys(self) -> Any:
        raise RuntimeError("not readable")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("not readable")


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text")


@pytest.mark.parametrize("attributes", [_Unreadable(plan="pro"), "plan=pro"], ids=["unreadable", "a string"])
def test_a_block_whose_attributes_cannot_be_read_leaves_them_out_and_nothing_bound_after_it(
    attributes: Any, caplog: pytest.LogCaptureFixture
) -> None:
    ff_otel.install()
    block = ff_otel.evaluation_context(targeting_key="user-1", attributes=attributes)
    with caplog.at_level(logging.WARNING, logger="ff_otel"), block as context:
        assert (context.targeting_key, dict(context.attributes)) == ("user-1", {})
        assert _current_key() == "user-1"
    assert _current_key() is None
    assert "could not read the attributes" in caplog.text


@pytest.mark.usefixtures("flags")
def test_pseudonymize_context_id_covers_the_context_ids_the_application_binds(telemetry: Telemetry) -> None:
    ff_otel.install(pseudonymize_context_id=True, secret_key="s3cret")
    client = api.get_client()
    scope = ff_otel.RequestScope(None, find_identity=lambda: None, options=ff_otel.AdapterOptions())
    with telemetry.tracer.start_as_current_span("request"):
        with ff_otel.evaluation_context(targeting_key="user-1", context_id="ada@example.com"):
            client.get_boolean_value("new-checkout", False)
        with scope:
            ff_otel.identify("user-2", context_id="grace@navy.test")
            client.get_boolean_value("new-checkout", False)

    (span,) = telemetry.spans()
    recorded = [(event.attributes or {})["feature_flag.context.id"] for event in span.events]
    assert recorded == [ff_otel.pseudonymize(raw, "s3cret") for raw in ("ada@example.com", "grace@navy.test")]


def test_identify_with_a_key_that_cannot_be_made_text_is_logged_and_ignored(caplog: pytest.LogCaptureFixture) -> None:
    ff_otel.install()
    scope = ff_otel.RequestScope(
        None, find_identity=lambda: ff_otel.Identity.user("alice"), options=ff_otel.AdapterOptions()
    )
    with caplog.at_level(logging.WARNING, logger="ff_otel"), scope:
        ff_otel.identify(_Unprintable())
        assert _current_key() == "alice"
    assert "identify() could not bind" in caplog.text
