"""The Flask app: Flask-Login over a user directory, Flask's cookie session, and `FeatureFlags(app)`.

Run: ``gunicorn tests.e2e.apps.flask_app:app``
"""

from __future__ import annotations

import os
import threading

import flask
from flask_login import LoginManager, UserMixin, login_user, logout_user

from ff_otel_flask import FeatureFlags
from tests.e2e.apps.callbacks import build_context, check_user_directory
from tests.e2e.apps.echo import configure_echo, evaluate_echo
from tests.e2e.apps.flags import configure_flags, evaluate_at_startup, evaluate_flags
from tests.e2e.apps.settings import secret_key
from tests.e2e.apps.telemetry import configure_telemetry


class DirectoryUser(UserMixin):  # type: ignore[misc]
    def __init__(self, user_id: str) -> None:
        self.id = user_id


configure_telemetry("e2e-flask")
configure_flags()
configure_echo()

app = flask.Flask(__name__)
app.secret_key = secret_key()
login_manager = LoginManager(app)
FeatureFlags(app, context_builder=build_context)
evaluate_at_startup()


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> DirectoryUser:
    check_user_directory()
    return DirectoryUser(user_id)


def _answer(evaluations: int) -> dict[str, object]:
    return {"evaluations": evaluations, "worker": f"{os.getpid()}:{threading.get_ident()}"}


@app.get("/flags")
def flags() -> dict[str, object]:
    return _answer(evaluate_flags(int(flask.request.args.get("n", "1"))))


@app.post("/echo")
def echo() -> dict[str, object]:
    return _answer(evaluate_echo(flask.request.get_json(force=True)))


@app.post("/login/<int:user_id>")
def log_in(user_id: int) -> dict[str, object]:
    login_user(DirectoryUser(str(user_id)))
    return _answer(0)


@app.post("/logout")
def log_out() -> dict[str, object]:
    logout_user()
    return _answer(0)


@app.get("/visit")
def visit() -> dict[str, object]:
    flask.session["visits"] = flask.session.get("visits", 0) + 1
    return _answer(0)


@app.get("/healthz")
def healthz() -> str:
    return "ok"
