"""The account pool at the database level: leases, cooldowns, secrets at rest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from platforms.errors import AccountBanned, AccountCooling, AccountUnauthorized
from platforms.models import AccountLease, PlatformAccount
from platforms.pool import (
    lease_account,
    pool_outlook,
    release_lease,
    renew_lease,
    report_problem,
)

pytestmark = pytest.mark.django_db

SESSION = "1BVtsOKABu" + "x" * 340  # looks like a StringSession; a secret either way


def account(label: str, **fields: Any) -> PlatformAccount:
    acc = PlatformAccount(platform="telegram", label=label, kind="sandbox", **fields)
    acc.set_session(SESSION + label)
    acc.save()
    return acc


def test_it_stores_sessions_encrypted_at_rest() -> None:
    acc = account("a1")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM platforms_platformaccount WHERE id = %s", [acc.pk])
        raw = " ".join(str(value) for value in cursor.fetchone())
    assert SESSION not in raw and "xxxxxxxxxx" not in raw
    assert PlatformAccount.objects.get(pk=acc.pk).get_session() == SESSION + "a1"
    assert SESSION not in repr(acc) and SESSION not in str(acc)


def test_it_lends_the_least_recently_used_free_account() -> None:
    old = account("old", last_used_at=timezone.now() - timedelta(hours=2))
    account("new", last_used_at=timezone.now() - timedelta(minutes=1))
    never = account("never")
    first = lease_account(platform="telegram", holder="w1")
    second = lease_account(platform="telegram", holder="w2")
    third = lease_account(platform="telegram", holder="w3")
    assert [first.label, second.label, third.label] == ["never", "old", "new"]
    assert lease_account(platform="telegram", holder="w4") is None
    release_lease(first)
    again = lease_account(platform="telegram", holder="w4")
    assert again is not None and again.account_id == never.pk
    assert old.pk != never.pk


def test_it_never_lends_a_held_account_twice_even_when_the_lease_is_renewed() -> None:
    account("only")
    lease = lease_account(platform="telegram", holder="w1")
    assert lease is not None
    assert renew_lease(lease)
    assert lease_account(platform="telegram", holder="w2") is None
    release_lease(lease, outcome="done")
    assert not renew_lease(lease)  # a released lease cannot be revived
    row = AccountLease.objects.get(token=lease.token)
    assert row.ended_at is not None and row.outcome == "done"


def test_it_takes_back_an_account_whose_lease_lapsed(settings: Any) -> None:
    acc = account("lapsed")
    lease = lease_account(platform="telegram", holder="dead-worker")
    PlatformAccount.objects.filter(pk=acc.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    taken = lease_account(platform="telegram", holder="w2")
    assert taken is not None and taken.account_id == acc.pk
    assert not renew_lease(lease)  # the dead worker's lease is gone for good


def test_it_rests_an_account_until_its_cooldown_ends() -> None:
    acc = account("flooded")
    lease = lease_account(platform="telegram", holder="w1")
    report_problem(lease, AccountCooling(600))
    release_lease(lease)
    acc.refresh_from_db()
    assert acc.status == "cooling" and acc.flood_waits_count == 1
    assert timedelta(seconds=590) < acc.cooldown_until - timezone.now() <= timedelta(seconds=600)
    assert lease_account(platform="telegram", holder="w2") is None
    outlook = pool_outlook("telegram")
    assert (outlook.usable, outlook.busy) == (1, 0)
    assert outlook.next_rest_end == acc.cooldown_until
    PlatformAccount.objects.filter(pk=acc.pk).update(
        cooldown_until=timezone.now() - timedelta(seconds=1)
    )
    again = lease_account(platform="telegram", holder="w2")
    assert again is not None
    acc.refresh_from_db()
    assert acc.status == "active" and acc.cooldown_until is None


@pytest.mark.parametrize(
    ("problem", "status"),
    [(AccountBanned("banned"), "banned"), (AccountUnauthorized("revoked"), "unauthorized")],
)
def test_it_retires_dead_accounts(problem: Any, status: str) -> None:
    acc = account("dead")
    lease = lease_account(platform="telegram", holder="w1")
    report_problem(lease, problem)
    release_lease(lease)
    acc.refresh_from_db()
    assert acc.status == status
    assert lease_account(platform="telegram", holder="w2") is None
    assert pool_outlook("telegram").usable == 0


def test_it_only_lends_the_configured_kinds(settings: Any) -> None:
    account("sandboxed")
    settings.POOL_ACCOUNT_KINDS = ["telegram"]
    assert lease_account(platform="telegram", holder="w1") is None


def test_it_shows_the_pool_to_staff_only_and_never_the_session(
    api: Any, client: Any, admin_user: Any
) -> None:
    account("visible")
    assert api.get("/api/v1/accounts/").status_code == 403
    client.force_login(admin_user)
    response = client.get("/api/v1/accounts/")
    assert response.status_code == 200
    (row,) = response.json()["accounts"]
    assert row["label"] == "visible" and row["status"] == "active"
    body = response.content.decode()
    assert "session" not in body and SESSION not in body
