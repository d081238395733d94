"""Re-encrypt every stored session with the current (first) session key.

Key rotation: put the new key first in SESSION_ENCRYPTION_KEYS, keep the old
ones after it, run this command, then drop the old keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from platforms.models import PlatformAccount, cipher


class Command(BaseCommand):
    help = "Re-encrypt all account sessions with the first key of SESSION_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated = 0
        for account in PlatformAccount.objects.exclude(session_encrypted="").iterator():
            if cipher().needs_rotation(account.session_encrypted):
                account.session_encrypted = cipher().rotate(account.session_encrypted)
                account.save(update_fields=["session_encrypted", "updated_at"])
                rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} session(s) with the current key.")
