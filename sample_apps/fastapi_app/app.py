"""The FastAPI app factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware

from ff_otel_asgi import FeatureFlagMiddleware
from sample_apps.common import pages
from sample_apps.common.accounts import authenticate, flag_context
from sample_apps.common.flags import IMPACT_FLAG, beta_dashboard, flag_client, storefront
from sample_apps.common.jobs import PeriodicJob, warm_up
from sample_apps.fastapi_app.auth import SESSION_USER_KEY, AccountUser, SessionBackend


def build_flag_context(request: Request) -> Mapping[str, Any]:
    """ff-otel's `context_builder`: what the flags target on, from the signed-in account."""
    user = request.user
    if isinstance(user, AccountUser):
        return flag_context(user.account.email, user.account.plan)
    return {}


def create_app(secret_key: str | None = None) -> FastAPI:
    """The sample store. `secret_key` signs the session cookie and keys ff-otel's pseudonymous visitor ids."""
    secret = secret_key or os.environ.get("SAMPLE_APP_SECRET_KEY") or secrets.token_hex(32)
    client = flag_client()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The middleware stack, and with it ff-otel, is set up before the lifespan starts.
        warm_up(client)
        job = PeriodicJob(client)
        job.start()
        yield
        job.stop()

    app = FastAPI(title="ff-otel sample store", lifespan=lifespan)
    # The last middleware added is the outermost: sessions, then authentication, then ff-otel.
    app.add_middleware(
        FeatureFlagMiddleware,
        secret_key=secret,
        persist_anonymous_id=True,
        context_builder=build_flag_context,
        excluded_urls="/healthz",
        impact_flags=[IMPACT_FLAG],
    )
    app.add_middleware(AuthenticationMiddleware, backend=SessionBackend())
    app.add_middleware(SessionMiddleware, secret_key=secret, same_site="lax")

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> str:
        user = request.user
        return pages.home_page(storefront(client), user.display_name if user.is_authenticated else None)

    @app.get("/login", response_class=HTMLResponse)
    def login_form() -> str:
        return pages.login_page()

    @app.post("/login", response_model=None)
    async def login(request: Request) -> RedirectResponse | HTMLResponse:
        # Parsed by hand so the sample needs no python-multipart.
        form = {name: values[0] for name, values in parse_qs((await request.body()).decode()).items()}
        account = authenticate(form.get("email", ""), form.get("password", ""))
        if account is None:
            return HTMLResponse(pages.login_page("Unknown email or wrong password."), status_code=401)
        request.session[SESSION_USER_KEY] = account.id
        return RedirectResponse("/", status_code=303)

    @app.post("/logout")
    def logout(request: Request) -> RedirectResponse:
        request.session.pop(SESSION_USER_KEY, None)
        return RedirectResponse("/", status_code=303)

    @app.get("/account", response_class=HTMLResponse)
    def account(request: Request) -> str:
        user = request.user
        if not isinstance(user, AccountUser):
            raise HTTPException(status_code=401, detail="log in first")
        max_items = client.get_integer_value("max-items", 5)
        return pages.account_page(user.account.name, user.account.plan, max_items)

    @app.get("/beta", response_class=HTMLResponse)
    def beta() -> str:
        return pages.beta_page(beta_dashboard(client))

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    return app
