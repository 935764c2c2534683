"""What the flags target on, for ``settings.FF_OTEL["context_builder"]``."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.http import HttpRequest

from sample_apps.common.accounts import flag_context

PRO_GROUP = "pro"
"""Members of this auth group are on the pro plan."""


def plan_of(user: User) -> str:
    """The plan of a signed-in user."""
    return "pro" if user.groups.filter(name=PRO_GROUP).exists() else "free"


def build_flag_context(request: HttpRequest) -> dict[str, Any]:
    """ff-otel's `context_builder`: the signed-in user's email domain and plan."""
    user = request.user
    if not isinstance(user, User):  # anonymous
        return {}
    return flag_context(user.email, plan_of(user))
