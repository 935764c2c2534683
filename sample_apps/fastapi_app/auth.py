"""Log-in for the FastAPI app: Starlette's AuthenticationMiddleware with a backend that reads the session cookie."""

from __future__ import annotations

from starlette.authentication import AuthCredentials, AuthenticationBackend, BaseUser
from starlette.requests import HTTPConnection

from sample_apps.common.accounts import Account, account_by_id

SESSION_USER_KEY = "user_id"


class AccountUser(BaseUser):
    """A signed-in demo account, as `request.user`."""

    def __init__(self, account: Account) -> None:
        self.account = account

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.account.name

    @property
    def identity(self) -> str:
        return str(self.account.id)


class SessionBackend(AuthenticationBackend):
    """Authenticates a request by the account id that `/login` stored in its (signed cookie) session."""

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        account = account_by_id(conn.session.get(SESSION_USER_KEY))
        if account is None:
            return None
        return AuthCredentials(["authenticated"]), AccountUser(account)
