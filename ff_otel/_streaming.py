"""Streaming bodies: the request's context is bound again around every chunk, and the request ends with the body.

Wrappers are classes with a `close()` rather than generators: servers and frameworks call `close()` on a body
when the response is closed, even if it was never iterated, so the request always ends (and an owned span too).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator
from contextlib import AbstractContextManager

Binder = Callable[[], AbstractContextManager[object]]
"""Binds the request's evaluation context (and span) for the block; called once per chunk."""
Finisher = Callable[[], None]
"""Called once, when the body has been sent or the response is closed."""
Failure = Callable[[BaseException], None]
"""Called with the exception that broke off the body, before the finisher."""


def _ignore(error: BaseException) -> None:
    return None


class _Stream:
    __slots__ = ("_bind", "_fail", "_finish")

    def __init__(self, bind: Binder, finish: Finisher, fail: Failure = _ignore) -> None:
        self._bind = bind
        self._finish: Finisher | None = finish
        self._fail = fail

    def close(self) -> None:
        finish, self._finish = self._finish, None
        if finish is not None:
            finish()


class SyncStream(_Stream, Iterator[object]):
    """A synchronous streaming body, iterated inside the request's context."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: Iterable[object], bind: Binder, finish: Finisher, fail: Failure = _ignore) -> None:
        super().__init__(bind, finish, fail)
        self._chunks = iter(chunks)

    def __next__(self) -> object:
        with self._bind():
            try:
                return next(self._chunks)
            except Exception as error:  # an error in it (not the end of the body): the request failed after all
                if not isinstance(error, StopIteration):
                    self._fail(error)
                self.close()
                raise
            except BaseException:  # the server stopped sending it (a client gone): ended, not failed
                self.close()
                raise


class AsyncStream(_Stream, AsyncIterator[object]):
    """An asynchronous streaming body, iterated inside the request's context."""

    __slots__ = ("_chunks",)

    def __init__(self, chunks: AsyncIterable[object], bind: Binder, finish: Finisher, fail: Failure = _ignore) -> None:
        super().__init__(bind, finish, fail)
        self._chunks = aiter(chunks)

    async def __anext__(self) -> object:
        with self._bind():
            try:
                return await anext(self._chunks)
            except Exception as error:
                if not isinstance(error, StopAsyncIteration):
                    self._fail(error)
                self.close()
                raise
            except BaseException:
                self.close()
                raise


class ClosingBody:
    """A WSGI body that runs `callback` once after the body's own `close()`; iterating it iterates the body itself,
    so it costs nothing per chunk. Servers close a body even when they never iterated it."""

    __slots__ = ("_body", "_callback")

    def __init__(self, body: Iterable[bytes], callback: Finisher) -> None:
        self._body = body
        self._callback: Finisher | None = callback

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._body)

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            callback, self._callback = self._callback, None
            if callback is not None:
                callback()
