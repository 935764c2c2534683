"""The user callbacks the apps hand to ff-otel, which fail while the test switches their fault on."""

from __future__ import annotations

from typing import Any

from tests.e2e.apps.settings import fault_active

CONTEXT_BUILDER_FAULT = "context-builder"
USER_LOOKUP_FAULT = "user-lookup"
SESSION_STORE_FAULT = "session-store"


class InjectedFaultError(RuntimeError):
    """Raised by an app on purpose while the test has a fault switched on."""


def build_context(request: Any) -> dict[str, Any]:
    """ff-otel's `context_builder`: a plan attribute for every request."""
    if fault_active(CONTEXT_BUILDER_FAULT):
        raise InjectedFaultError("the context builder failed")
    return {"plan": "pro"}


def check_user_directory() -> None:
    """Stands for a call to the user directory (a database or an identity service)."""
    if fault_active(USER_LOOKUP_FAULT):
        raise InjectedFaultError("the user directory is down")


def check_session_store() -> None:
    """Stands for a call to the session store (a cache or a database)."""
    if fault_active(SESSION_STORE_FAULT):
        raise InjectedFaultError("the session store is down")
