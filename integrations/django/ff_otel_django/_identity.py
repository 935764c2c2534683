"""Who a Django request is for: the authenticated user, else the session, else an anonymous visitor."""

from __future__ import annotations

import uuid

from django.http import HttpRequest

import ff_otel

ANONYMOUS_ID_KEY = "_ff_otel_anonymous_id"
"""Session key of the random id kept for visitors without a session, when `persist_anonymous_id` is on."""


def find_identity(request: HttpRequest, secret_key: str | bytes, persist_anonymous_id: bool) -> ff_otel.Identity | None:
    """The request's identity; never creates a session unless `persist_anonymous_id` says so."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return ff_otel.Identity.user(user.pk)
    session = getattr(request, "session", None)
    if session is None:
        return None
    if persist_anonymous_id:
        stored = session.get(ANONYMOUS_ID_KEY)
        if stored is None and session.session_key is None:
            # Storing the id makes the session middleware create the session and set its cookie.
            stored = session[ANONYMOUS_ID_KEY] = uuid.uuid4().hex
        if stored is not None:
            return ff_otel.Identity.session(str(stored), secret_key)
    session_key = session.session_key
    return None if session_key is None else ff_otel.Identity.session(session_key, secret_key)
