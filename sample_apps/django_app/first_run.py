"""First-run set-up: the sqlite database and the demo users."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.core.management import call_command

from sample_apps.common.accounts import ACCOUNTS
from sample_apps.django_app.flags import PRO_GROUP


def prepare_database() -> None:
    """Create or update the database, then the demo accounts that are not there yet."""
    call_command("migrate", verbosity=0, interactive=False)
    pro, _ = Group.objects.get_or_create(name=PRO_GROUP)
    for account in ACCOUNTS:
        if User.objects.filter(username=account.email).exists():
            continue
        user = User.objects.create_user(
            account.email, email=account.email, password=account.password, first_name=account.name
        )
        if account.plan == "pro":
            user.groups.add(pro)
