"""The FastAPI app: Starlette's cookie session and authentication middleware, and ff-otel's ASGI middleware.

Run: ``uvicorn tests.e2e.apps.fastapi_app:app`` or ``gunicorn -k uvicorn.workers.UvicornWorker ...``
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection

from ff_otel_asgi import FeatureFlagMiddleware
from tests.e2e.apps.callbacks import build_context, check_user_directory
from tests.e2e.apps.echo import configure_echo, evaluate_echo
from tests.e2e.apps.flags import configure_flags, evaluate_at_startup, evaluate_flags
from tests.e2e.apps.settings import secret_key
from tests.e2e.apps.telemetry import configure_telemetry

USER_KEY = "user_id"


class DirectoryUser(BaseUser):
    """A signed-in user whose record is fetched from the user directory when first needed."""

    def __init__(self, user_id: str) -> None:
        self._user_id = user_id

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return f"user-{self.identity}"

    @property
    def identity(self) -> str:
        check_user_directory()
        return self._user_id


class SessionBackend(AuthenticationBackend):
    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        user_id = conn.session.get(USER_KEY)
        return None if user_id is None else (AuthCredentials(["authenticated"]), DirectoryUser(str(user_id)))


configure_telemetry("e2e-fastapi")
configure_flags()
configure_echo()


@contextlib.asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    # Starlette builds the middleware (installing ff-otel) before it runs the lifespan.
    evaluate_at_startup()
    yield


app = FastAPI(lifespan=lifespan)
app.add_middleware(AuthenticationMiddleware, backend=SessionBackend())
app.add_middleware(SessionMiddleware, secret_key=secret_key())
app.add_middleware(FeatureFlagMiddleware, context_builder=build_context, secret_key=secret_key())


def _answer(evaluations: int) -> dict[str, Any]:
    return {"evaluations": evaluations, "worker": f"{os.getpid()}:{threading.get_ident()}"}


@app.get("/flags")
async def flags(n: int = 1) -> dict[str, Any]:
    return _answer(evaluate_flags(n))


@app.get("/flags-sync")
def flags_sync(n: int = 1) -> dict[str, Any]:
    return _answer(evaluate_flags(n))


@app.post("/echo")
async def echo(request: Request) -> dict[str, Any]:
    return _answer(evaluate_echo(await request.json()))


@app.post("/login/{user_id}")
async def log_in(user_id: int, request: Request) -> dict[str, Any]:
    request.session[USER_KEY] = str(user_id)
    return _answer(0)


@app.post("/logout")
async def log_out(request: Request) -> dict[str, Any]:
    request.session.clear()
    return _answer(0)


@app.get("/visit")
async def visit(request: Request) -> dict[str, Any]:
    request.session["visits"] = request.session.get("visits", 0) + 1
    return _answer(0)


@app.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    return "ok"
