"""Sandbox accounts are ordinary pool accounts whose kind routes them to the fake Telegram."""

from __future__ import annotations

from django.db import transaction

from platforms.models import PlatformAccount


def add_sandbox_accounts(count: int) -> list[PlatformAccount]:
    from platforms.telegram.sandbox import sandbox_phone, sandbox_session_string

    created: list[PlatformAccount] = []
    with transaction.atomic():
        taken = set(
            PlatformAccount.objects.filter(kind=PlatformAccount.Kind.SANDBOX).values_list(
                "label", flat=True
            )
        )
        number = 1
        while len(created) < count:
            label = f"sandbox-{number}"
            if label not in taken:
                account = PlatformAccount(
                    platform="telegram",
                    label=label,
                    kind=PlatformAccount.Kind.SANDBOX,
                    phone=sandbox_phone(number),
                )
                account.set_session(sandbox_session_string(number))
                account.save()
                created.append(account)
            number += 1
    return created
