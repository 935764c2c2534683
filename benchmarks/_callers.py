"""In-process callers: one request straight into a WSGI or ASGI application, with no client library or socket."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from wsgiref.util import setup_testing_defaults

from starlette.types import ASGIApp, Message

from benchmarks._requests import PATH, Send

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def wsgi_sender(app: WSGIApplication, path: str = PATH, cookie: str | None = None) -> Send:
    """Send `GET path` to a WSGI application as a server would: environ in, body iterated, then closed."""
    template: dict[str, Any] = {"PATH_INFO": path, "REMOTE_ADDR": "127.0.0.1"}
    if cookie is not None:
        template["HTTP_COOKIE"] = cookie
    setup_testing_defaults(template)
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> Callable[..., None]:
        statuses.append(status)
        return lambda data: None

    def send() -> bytes:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO()
        environ["wsgi.errors"] = io.StringIO()
        statuses.clear()
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not statuses or not statuses[0].startswith("200"):
            raise AssertionError(f"GET {path} answered {statuses}: {body[:200]!r}")
        return body

    return send


def asgi_sender(app: ASGIApp, loop: asyncio.AbstractEventLoop, path: str = PATH) -> Send:
    """Send `GET path` to an ASGI application as a server would, on `loop`."""
    template: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }

    async def call() -> bytes:
        messages: list[Message] = []
        received = False

        async def receive() -> Message:
            nonlocal received
            if received:  # the request was read: what follows is the client going away
                return {"type": "http.disconnect"}
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            messages.append(message)

        scope = dict(template, headers=[(b"host", b"127.0.0.1")], state={})
        await app(scope, receive, send)
        status = next((m["status"] for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if status != 200:
            raise AssertionError(f"GET {path} answered {status}: {body[:200]!r}")
        return body

    def send_request() -> bytes:
        return loop.run_until_complete(call())

    return send_request
