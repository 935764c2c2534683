"""Log-in for the Flask app: Flask-Login over the demo accounts."""

from __future__ import annotations

from flask_login import LoginManager, UserMixin

from sample_apps.common.accounts import Account, account_by_id

login_manager = LoginManager()


class AccountUser(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type hints
    """A signed-in demo account, as Flask-Login's `current_user`."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> AccountUser | None:
    account = account_by_id(user_id)
    return None if account is None else AccountUser(account)
