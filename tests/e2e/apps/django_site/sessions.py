"""File-based sessions whose store fails while the test's session-store fault is on."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.file import SessionStore as FileSessionStore

from tests.e2e.apps.callbacks import check_session_store


class SessionStore(FileSessionStore):
    def load(self) -> dict[str, Any]:
        check_session_store()
        return super().load()
