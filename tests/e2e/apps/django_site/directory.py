"""An authentication backend over a user directory: every numeric id is a user, nothing is stored locally."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.models import User
from django.http import HttpRequest

from tests.e2e.apps.callbacks import check_user_directory


class DirectoryBackend(BaseBackend):
    """Looks users up in the directory (which fails while the test's user-lookup fault is on)."""

    def authenticate(self, request: HttpRequest | None, user_id: str | None = None, **_: Any) -> User | None:
        return None if user_id is None else self.get_user(user_id)

    def get_user(self, user_id: Any) -> User | None:
        check_user_directory()
        return User(pk=int(user_id), username=f"user-{user_id}")
