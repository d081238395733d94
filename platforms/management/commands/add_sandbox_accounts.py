"""Create sandbox accounts: Telegram accounts of the in-process fake Telegram."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from platforms.models import PlatformAccount
from platforms.sandbox_accounts import add_sandbox_accounts


class Command(BaseCommand):
    help = "Add N sandbox accounts to the pool (fake Telegram, for tests and local runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many accounts to add")

    def handle(self, *args: Any, count: int, **options: Any) -> None:
        if count < 1 or count > 1000:
            self.stderr.write("count must be between 1 and 1000")
            raise SystemExit(2)
        created = add_sandbox_accounts(count)
        total = PlatformAccount.objects.filter(kind=PlatformAccount.Kind.SANDBOX).count()
        labels = ", ".join(account.label for account in created)
        self.stdout.write(
            f"Added {len(created)} sandbox account(s): {labels}. Sandbox accounts now: {total}."
        )
