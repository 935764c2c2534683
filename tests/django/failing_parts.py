"""Parts of a Django site that fail: a session store that is down, a user lookup that raises, a bad builder."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest


class SessionStore(DatabaseSessionStore):
    """A session engine whose store is down: loading a session raises."""

    def load(self) -> dict[str, Any]:
        raise ConnectionError("session store is down")


class BrokenUserBackend(ModelBackend):
    """An authentication backend whose user lookup raises."""

    def get_user(self, user_id: int) -> Any:
        raise ConnectionError("user directory is down")


def broken_context(request: HttpRequest) -> dict[str, object]:
    raise ValueError("context builder failed")


def plan_context(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {"plan": "pro" if user is not None and user.is_authenticated else "free"}
