"""The demo accounts every sample app knows, and the evaluation context they bring."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import os
from typing import Any


@dataclasses.dataclass(frozen=True)
class Account:
    """A user of the sample store. `password` is a demo password, printed in the README on purpose."""

    id: int
    email: str
    name: str
    plan: str
    password: str = dataclasses.field(repr=False)

    @property
    def email_domain(self) -> str:
        return self.email.rpartition("@")[2]


ACCOUNTS = (
    Account(1, "ada@example.com", "Ada", "pro", "analytical-engine"),
    Account(2, "grace@navy.test", "Grace", "free", "compiler-1952"),
)
"""Ada gets the new checkout (her email domain) and the pro limits; Grace gets neither."""

_SALT = os.urandom(16)
_HASHES = {
    account.email: hashlib.pbkdf2_hmac("sha256", account.password.encode(), _SALT, 100_000) for account in ACCOUNTS
}


def authenticate(email: str, password: str) -> Account | None:
    """The account with this email and password, or None."""
    expected = _HASHES.get(email)
    given = hashlib.pbkdf2_hmac("sha256", password.encode(), _SALT, 100_000)
    if expected is None or not hmac.compare_digest(expected, given):
        return None
    return account_by_id(next(a.id for a in ACCOUNTS if a.email == email))


def account_by_id(account_id: object) -> Account | None:
    """The account with this id (an int or its string form), or None."""
    return next((account for account in ACCOUNTS if str(account.id) == str(account_id)), None)


def flag_context(email: str | None, plan: str | None) -> dict[str, Any]:
    """The evaluation-context attributes that `flags.json` targets on: the email's domain (never the address
    itself, which the flag provider does not need) and the plan."""
    context: dict[str, Any] = {}
    if email:
        context["email_domain"] = email.rpartition("@")[2]
    if plan:
        context["plan"] = plan
    return context
