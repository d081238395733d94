"""First-run setup for `make run`: a sandbox account and a superuser."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from platforms.models import PlatformAccount
from platforms.sandbox_accounts import add_sandbox_accounts


class Command(BaseCommand):
    help = "Create a sandbox account and a superuser if there are none (local runs)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not PlatformAccount.objects.filter(kind=PlatformAccount.Kind.SANDBOX).exists():
            (account,) = add_sandbox_accounts(1)
            self.stdout.write(f"Created the sandbox account {account.label}.")
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "A superuser exists (its password was printed when it was created; "
                "reset it with: .venv/bin/python manage.py changepassword admin)."
            )
            return
        password = secrets.token_urlsafe(12)
        users.objects.create_superuser("admin", "admin@localhost", password)
        bar = "=" * 64
        self.stdout.write(
            f"\n{bar}\n  Superuser created. Log in at http://127.0.0.1:8000/login/\n"
            f"  username: admin\n  password: {password}\n"
            f"  (shown only this once)\n{bar}\n"
        )
