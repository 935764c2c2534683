"""Who a Flask request is for: the Flask-Login user, else the session, else nobody."""

from __future__ import annotations

import secrets
from typing import Any

import flask
from flask.sessions import NullSession

from ff_otel import Identity

try:
    from flask_login import current_user
except ImportError:  # Flask-Login is optional
    current_user = None

ANONYMOUS_ID_KEY = "_ff_otel_anonymous_id"
"""The session key under which a random visitor id is kept when `persist_anonymous_id` is on."""


def find_identity(secret_key: str | bytes | None, persist_anonymous_id: bool) -> Identity | None:
    """The identity of the request in the current Flask request context, or None for an anonymous visitor."""
    user_id = _login_user_id()
    if user_id is not None:
        return Identity.user(user_id)
    secret = secret_key or flask.current_app.secret_key
    if not secret:  # without a key no session id can be pseudonymized, and the raw one must not be used
        return None
    return _session_identity(flask.session, secret, persist_anonymous_id)


def _login_user_id() -> Any:
    if current_user is None or not hasattr(flask.current_app, "login_manager"):
        return None
    if not current_user.is_authenticated:
        return None
    return current_user.get_id()


def _session_identity(session: Any, secret: str | bytes, persist_anonymous_id: bool) -> Identity | None:
    anonymous_id = None
    if persist_anonymous_id and not isinstance(session, NullSession):
        # Also makes a server-side session non-empty, so it is stored and its id stays the same next time.
        anonymous_id = session.setdefault(ANONYMOUS_ID_KEY, secrets.token_urlsafe(18))
    # Server-side session extensions (Flask-Session and the like) give each session an id; an empty session
    # is not stored, so its id would change on every request.
    session_id = getattr(session, "sid", None)
    if isinstance(session_id, str) and session_id and session:
        return Identity.session(session_id, secret)
    if isinstance(anonymous_id, str) and anonymous_id:
        return Identity.session(anonymous_id, secret)
    return None
