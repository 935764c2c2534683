"""The Flask app factory."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from typing import Any

import flask
from flask_login import current_user

from ff_otel_flask import FeatureFlags
from sample_apps.common.accounts import flag_context
from sample_apps.common.flags import IMPACT_FLAG
from sample_apps.flask_app.auth import AccountUser, login_manager
from sample_apps.flask_app.views import store

feature_flags = FeatureFlags()


def build_flag_context(request: flask.Request) -> Mapping[str, Any]:
    """ff-otel's `context_builder`: what the flags target on, from the signed-in account."""
    user = current_user._get_current_object()
    if isinstance(user, AccountUser):
        return flag_context(user.account.email, user.account.plan)
    return {}


def create_app(secret_key: str | None = None) -> flask.Flask:
    """The sample store. `secret_key` signs the session cookie and keys ff-otel's pseudonymous visitor ids."""
    app = flask.Flask(__name__)
    app.secret_key = secret_key or os.environ.get("SAMPLE_APP_SECRET_KEY") or secrets.token_hex(32)
    app.config["FF_OTEL"] = {
        "persist_anonymous_id": True,  # anonymous visitors keep one id, so the 50/50 rollout stays put
        "context_builder": build_flag_context,
        "excluded_urls": "/healthz",
        "impact_flags": [IMPACT_FLAG],
    }
    login_manager.init_app(app)
    feature_flags.init_app(app)
    app.register_blueprint(store)
    return app
