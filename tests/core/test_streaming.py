"""A streamed body ends its request with its last chunk; one that raises fails it, one the server stops does not."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from ff_otel._streaming import AsyncStream, SyncStream


@pytest.mark.parametrize("raised", [RuntimeError("broke off"), None], ids=["an error", "the end"])
def test_a_sync_body_fails_its_request_only_for_an_error(raised: BaseException | None) -> None:
    finished: list[str] = []
    failures: list[BaseException] = []

    def chunks() -> Iterator[str]:
        yield "first"
        if raised is not None:
            raise raised

    stream = SyncStream(chunks(), contextlib.nullcontext, lambda: finished.append("end"), failures.append)
    with contextlib.suppress(RuntimeError):
        list(stream)

    assert finished == ["end"]
    assert failures == ([] if raised is None else [raised])


def test_an_async_body_the_server_stops_ends_its_request_without_failing_it() -> None:
    finished: list[str] = []
    failures: list[BaseException] = []

    async def chunks() -> AsyncIterator[str]:
        yield "first"
        raise asyncio.CancelledError  # the client went away

    async def send() -> None:
        stream = AsyncStream(chunks(), contextlib.nullcontext, lambda: finished.append("end"), failures.append)
        async for _ in stream:
            pass

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(send())
    assert (finished, failures) == (["end"], [])
