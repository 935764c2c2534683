"""Who an ASGI request is for: Starlette's authenticated user, else an anonymous id kept in its cookie session."""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

from ff_otel import Identity

ANONYMOUS_ID_SESSION_KEY = "ff_otel.anonymous_id"
"""Where `persist_anonymous_id=True` keeps a visitor's random id in `scope["session"]`."""


def find_identity(scope: MutableMapping[str, Any], secret_key: str | bytes | None, persist: bool) -> Identity | None:
    """The user in `scope["user"]` (its `identity`, `id` or `username`), else a persisted anonymous id in
    `scope["session"]`, else None.

    Read at the first flag evaluation, so authentication and session middlewares may run inside this adapter.
    """
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False) is True:
        user_id = _user_id(user)
        if user_id is not None:
            return Identity.user(user_id)
    session = scope.get("session")
    # Starlette's session is a signed cookie with no server-side key to hash, so only an id of our own will do.
    if persist and isinstance(session, MutableMapping):
        anonymous_id = session.get(ANONYMOUS_ID_SESSION_KEY)
        if not isinstance(anonymous_id, str) or not anonymous_id:
            anonymous_id = session[ANONYMOUS_ID_SESSION_KEY] = secrets.token_hex(16)
        return Identity.session(anonymous_id, secret_key)  # hashed even without a secret: never the cookie's id
    return None


def _user_id(user: object) -> object | None:
    # Starlette's BaseUser raises NotImplementedError for `identity` unless a subclass defines it; its SimpleUser
    # has only `username` in older Starlette releases.
    for name in ("identity", "id", "username"):
        try:
            value: object = getattr(user, name, None)
        except NotImplementedError:
            continue
        if value is not None and value != "":
            return value
    return None
