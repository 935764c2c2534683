"""Who a Django request is for: the authenticated user, else the session, else an anonymous visitor."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.utils.crypto import salted_hmac

import ff_otel
from ff_otel.integration import SESSION_ID_PURPOSE

ANONYMOUS_ID_KEY = "_ff_otel_anonymous_id"
"""Session key of the random id kept for visitors without a session, when `persist_anonymous_id` is on."""


def find_identity(request: HttpRequest, secret_key: str | bytes, persist_anonymous_id: bool) -> ff_otel.Identity | None:
    """The request's identity; never creates a session unless `persist_anonymous_id` says so."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        pk = user.pk
        if pk is not None:  # an unsaved user has no id: anonymous, never the shared key "None"
            return ff_otel.Identity.user(pk)
    session = getattr(request, "session", None)
    if session is None:
        return None
    if persist_anonymous_id:
        stored = session.get(ANONYMOUS_ID_KEY)
        if stored is None and session.session_key is None:
            # Storing the id makes the session middleware create the session and set its cookie.
            stored = session[ANONYMOUS_ID_KEY] = uuid.uuid4().hex
        if stored is not None:
            return _session_identity(str(stored), secret_key)
    session_key = session.session_key
    return None if session_key is None else _session_identity(session_key, secret_key)


def _session_identity(key: str, secret_key: str | bytes) -> ff_otel.Identity:
    # Django's own keyed hash with a key derived for this purpose; the same id as `ff_otel.Identity.session`.
    digest = salted_hmac(SESSION_ID_PURPOSE, key, secret_key, algorithm="sha256").hexdigest()[:32]
    return ff_otel.Identity(digest, "session")
