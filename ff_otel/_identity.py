"""Who a request is for: the rules every web adapter shares."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal

from ff_otel._safe import report

IdentityKind = Literal["user", "session", "anonymous"]


@dataclasses.dataclass(frozen=True, slots=True)
class Identity:
    """The subject of a request's flag evaluations.

    Usage: ``Identity.user(request.user.pk)``, ``Identity.session(key, secret)``, ``Identity.anonymous()``
    """

    targeting_key: str | None = None
    kind: IdentityKind = "anonymous"
    attributes: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def user(cls, user_id: object, attributes: Mapping[str, Any] | None = None) -> Identity:
        """An authenticated user: the targeting key is the user's id as a string."""
        return cls(str(user_id), "user", dict(attributes or {}))

    @classmethod
    def session(cls, session_key: str, secret_key: str | bytes | None) -> Identity:
        """A visitor known by a session: a stable keyed hash of the session key, never the key itself.

        The hash is keyed with a key derived from `secret_key` for this one purpose (as Django's `salted_hmac`
        derives its keys); without a secret it is still a one-way hash, never the raw key.
        """
        return cls(pseudonymize(session_key, secret_key or b"", SESSION_ID_PURPOSE), "session")

    @classmethod
    def anonymous(cls) -> Identity:
        """A visitor with neither user nor session: no targeting key."""
        return ANONYMOUS


ANONYMOUS = Identity()


SESSION_ID_PURPOSE = "ff_otel.session-id"
"""The salt of the key that hashes session keys into targeting keys (Django: `salted_hmac(SESSION_ID_PURPOSE, ...)`)."""
CONTEXT_ID_PURPOSE = "ff_otel.context-id"
"""The salt of the key that hashes targeting keys into recorded context ids (`pseudonymize_context_id`)."""


def pseudonymize(value: str, secret_key: str | bytes, purpose: str = CONTEXT_ID_PURPOSE) -> str:
    """A stable pseudonymous id for `value`, 32 hex characters.

    HMAC-SHA256 with a key derived from `secret_key` for `purpose` alone (SHA-256 of the purpose and the
    secret, as Django's `salted_hmac` does), so the application's secret itself never keys anything of ours.
    """
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = hashlib.sha256(purpose.encode() + secret).digest()
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


ANONYMOUS_ID_KEY = "_ff_otel_anonymous_id"
"""The session key under which `persist_anonymous_id` keeps a visitor's random id, in every web adapter."""
_EARLIER_ANONYMOUS_ID_KEYS = ("ff_otel.anonymous_id",)  # ff_otel_asgi's key before: its visitors keep their ids


def visitor_identity(
    user_id: object,
    *,
    session: MutableMapping[str, Any] | None,
    session_key: str | None,
    secret_key: str | bytes | None,
    persist_anonymous_id: bool,
) -> Identity | None:
    """Who a request is for, by the rule every web adapter follows: the user, else the session, else nobody.

    `user_id` is the authenticated user's id (None or "" when there is none). With `persist_anonymous_id`, a
    writable `session` keeps a random id for the visitor, created only when the session has no `session_key`
    of its own yet, so the id a new visitor gets on the first request is the one it keeps. Otherwise the
    server-side `session_key` identifies the visitor. Session ids are always hashed (`Identity.session`).
    """
    if user_id is not None and user_id != "":
        if isinstance(user_id, bytes | bytearray):
            user_id = bytes(user_id).decode("utf-8", "backslashreplace")
        if not _names_itself(user_id):
            report(f"ff_otel got a user id of type {type(user_id).__name__} with no text of its own; ignored")
        else:
            return Identity.user(user_id)
    if persist_anonymous_id and session is not None:
        stored = session.get(ANONYMOUS_ID_KEY)
        if stored is None:
            stored = next((session[k] for k in _EARLIER_ANONYMOUS_ID_KEYS if k in session), None)
            if isinstance(stored, str) and stored:
                session[ANONYMOUS_ID_KEY] = stored
        if not (isinstance(stored, str) and stored) and not session_key:
            # Storing it makes the framework create the session and send its cookie.
            stored = session[ANONYMOUS_ID_KEY] = secrets.token_hex(16)
        if isinstance(stored, str) and stored:
            return Identity.session(stored, secret_key)
    return Identity.session(session_key, secret_key) if session_key else None


def _names_itself(user_id: object) -> bool:
    """False for an object whose text is only its type and address (`<object object at 0x...>`), which would name
    another user on every request."""
    kind = type(user_id)
    return not (kind.__str__ is object.__str__ and kind.__repr__ is object.__repr__)
