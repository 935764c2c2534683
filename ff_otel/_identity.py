"""Who a request is for: the rules every web adapter shares."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal

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
    def session(cls, session_key: str, secret_key: str | bytes) -> Identity:
        """A visitor known by a session: a stable keyed hash of the session key, never the key itself."""
        return cls(pseudonymize(session_key, secret_key), "session")

    @classmethod
    def anonymous(cls) -> Identity:
        """A visitor with neither user nor session: no targeting key."""
        return ANONYMOUS


ANONYMOUS = Identity()


def pseudonymize(value: str, secret_key: str | bytes) -> str:
    """A stable pseudonymous id for `value`: HMAC-SHA256 keyed with `secret_key`, 32 hex characters."""
    key = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]
