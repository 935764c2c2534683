"""The Flask app's pages, as a blueprint."""

from __future__ import annotations

import flask
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from sample_apps.common import pages
from sample_apps.common.accounts import authenticate
from sample_apps.common.flags import beta_dashboard, flag_client, storefront
from sample_apps.flask_app.auth import AccountUser

store = flask.Blueprint("store", __name__)
client = flag_client()


def _signed_in() -> AccountUser | None:
    user = current_user._get_current_object()  # the proxy's target: the user Flask-Login loaded
    return user if isinstance(user, AccountUser) else None


@store.get("/")
def home() -> str:
    user = _signed_in()
    return pages.home_page(storefront(client), user.account.name if user else None)


@store.get("/login")
def login_form() -> str:
    return pages.login_page()


@store.post("/login")
def login() -> ResponseReturnValue:
    account = authenticate(flask.request.form.get("email", ""), flask.request.form.get("password", ""))
    if account is None:
        return pages.login_page("Unknown email or wrong password."), 401
    login_user(AccountUser(account))
    return flask.redirect("/", code=303)


@store.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    return flask.redirect("/", code=303)


@store.get("/account")
@login_required  # type: ignore[untyped-decorator]
def account() -> str:
    user = _signed_in()
    assert user is not None  # login_required saw to it
    return pages.account_page(user.account.name, user.account.plan, client.get_integer_value("max-items", 5))


@store.get("/beta")
def beta() -> str:
    return pages.beta_page(beta_dashboard(client))


@store.get("/healthz")
def healthz() -> str:
    return "ok"
