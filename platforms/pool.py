"""Borrowing accounts from the pool: one session, one holder at a time.

Telegram ends a session used from two connections at once
(AUTH_KEY_DUPLICATED), so a worker may only use an account while it holds its
lease. Claiming is a conditional UPDATE ... WHERE the account is free: when two
workers race for one row, the database lets one update win and the other's
WHERE no longer matches (PostgreSQL re-checks it on the new row version; SQLite
serialises writers), so exclusivity never depends on timing. On PostgreSQL the
candidate is picked with SELECT ... FOR UPDATE SKIP LOCKED so workers do not
queue behind each other on the same row.

A lease expires unless renewed; a worker that dies stops renewing and the
account returns to the pool after ACCOUNT_LEASE_SECONDS.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from parser_project.secrets import read_path
from platforms.base import AccountCredentials
from platforms.errors import AccountCooling, AccountProblem
from platforms.models import AccountLease, PlatformAccount

log = logging.getLogger(__name__)
Status = PlatformAccount.Status


def holder_name(job_id: str = "") -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{job_id}"[:200]


def pool_kinds() -> list[str]:
    return list(settings.POOL_ACCOUNT_KINDS)


def _usable(now: datetime) -> Q:
    ready = Q(status=Status.ACTIVE) | Q(status=Status.COOLING)
    cooled = Q(cooldown_until__isnull=True) | Q(cooldown_until__lte=now)
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    return ready & cooled & free


@dataclass(frozen=True, slots=True)
class Lease:
    account_id: int
    token: str
    holder: str
    label: str

    def account(self) -> PlatformAccount:
        return PlatformAccount.objects.get(pk=self.account_id)

    def credentials(self) -> AccountCredentials:
        account = self.account()
        api_id, api_hash = api_credentials(account.label)
        return AccountCredentials(
            label=account.label,
            kind=account.kind,
            session=account.get_session(),
            api_id=api_id,
            api_hash=api_hash,
            phone=account.phone,
            min_request_interval=settings.TELEGRAM_MIN_REQUEST_INTERVAL_MS / 1000,
        )


def api_credentials(label: str) -> tuple[int, str]:
    """An account's own api_id/api_hash from Vault, else the service-wide pair."""
    own = read_path(f"accounts/{label}") or {}
    api_id = str(own.get("api_id") or "")
    if api_id.isdigit() and own.get("api_hash"):
        return int(api_id), str(own["api_hash"])
    return settings.TELEGRAM_API_ID, settings.TELEGRAM_API_HASH


def lease_account(*, platform: str, holder: str, task_pk: int | None = None) -> Lease | None:
    """Claim the least recently used free account, or None if there is none."""
    for _attempt in range(5):
        now = timezone.now()
        candidates = PlatformAccount.objects.filter(
            _usable(now), platform=platform, kind__in=pool_kinds()
        ).exclude(session_encrypted="")
        with transaction.atomic():
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True)
            account = candidates.order_by(F("last_used_at").asc(nulls_first=True), "id").first()
            if account is None:
                return None
            token = uuid.uuid4().hex
            claimed = PlatformAccount.objects.filter(_usable(now), pk=account.pk).update(
                status=Status.ACTIVE,
                cooldown_until=None,
                lease_token=token,
                leased_by=holder,
                lease_expires_at=now + timedelta(seconds=settings.ACCOUNT_LEASE_SECONDS),
                last_used_at=now,
                tasks_count=F("tasks_count") + 1,
            )
            if claimed:
                # Stamped after the claim, not with `now` from before it: the
                # recorded intervals must follow the real order (the previous
                # holder stamped its end before it let go).
                AccountLease.objects.create(
                    account_id=account.pk,
                    task_id=task_pk,
                    token=token,
                    holder=holder,
                    started_at=timezone.now(),
                )
                return Lease(account.pk, token, holder, account.label)
        # Another worker took it between our read and our update: try the next.
    return None


def lease_account_by_pk(pk: int, *, holder: str) -> Lease | None:
    """Hold one given account (whatever its status) if no worker holds it."""
    now = timezone.now()
    token = uuid.uuid4().hex
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=now)
    claimed = PlatformAccount.objects.filter(free, pk=pk).update(
        lease_token=token,
        leased_by=holder,
        lease_expires_at=now + timedelta(seconds=settings.ACCOUNT_LEASE_SECONDS),
    )
    if not claimed:
        return None
    account = PlatformAccount.objects.get(pk=pk)
    AccountLease.objects.create(
        account=account, token=token, holder=holder, started_at=timezone.now()
    )
    return Lease(pk, token, holder, account.label)


def renew_lease(lease: Lease) -> bool:
    """Extend the lease; False means it was lost and the account must not be used."""
    expires = timezone.now() + timedelta(seconds=settings.ACCOUNT_LEASE_SECONDS)
    return bool(
        PlatformAccount.objects.filter(pk=lease.account_id, lease_token=lease.token).update(
            lease_expires_at=expires
        )
    )


def release_lease(lease: Lease, *, outcome: str = "", requests: int = 0) -> None:
    now = timezone.now()  # the end is stamped before the account is let go
    PlatformAccount.objects.filter(pk=lease.account_id, lease_token=lease.token).update(
        lease_token="",
        leased_by="",
        lease_expires_at=None,
        requests_count=F("requests_count") + requests,
    )
    AccountLease.objects.filter(token=lease.token, ended_at__isnull=True).update(
        ended_at=now, outcome=outcome[:200]
    )


def report_problem(lease: Lease, problem: AccountProblem) -> None:
    """Rest or retire the account after a FloodWait, a limit or a dead session."""
    now = timezone.now()
    changes: dict[str, object] = {"last_error": str(problem)[:500], "status": problem.status}
    if problem.status == Status.COOLING:
        changes["cooldown_until"] = now + timedelta(seconds=max(problem.seconds, 1))
        AccountLease.objects.filter(token=lease.token).update(rest_until=changes["cooldown_until"])
    if isinstance(problem, AccountCooling):
        changes["flood_waits_count"] = F("flood_waits_count") + 1
    PlatformAccount.objects.filter(pk=lease.account_id).update(**changes)
    log.warning("account %s: %s", lease.label, problem)


@dataclass(frozen=True, slots=True)
class Outlook:
    """Why no account could be leased, and when one may be."""

    usable: int  # active or cooling: accounts that will work again
    busy: int  # held by other workers right now
    next_rest_end: datetime | None  # the earliest cooldown end among resting ones


def pool_outlook(platform: str) -> Outlook:
    now = timezone.now()
    accounts = PlatformAccount.objects.filter(
        platform=platform,
        kind__in=pool_kinds(),
        status__in=[Status.ACTIVE, Status.COOLING],
    ).exclude(session_encrypted="")
    usable = busy = 0
    rest_ends = []
    for cooldown, lease_end in accounts.values_list("cooldown_until", "lease_expires_at"):
        usable += 1
        if lease_end and lease_end > now:
            busy += 1
        elif cooldown and cooldown > now:
            rest_ends.append(cooldown)
    return Outlook(usable, busy, min(rest_ends) if rest_ends else None)


class LeaseKeeper(threading.Thread):
    """Renews a lease in the background while the job works.

    A page request may take long (Telethon sleeps short FloodWaits inside it),
    so renewing only between batches could let the lease lapse under a live
    worker. If a renewal fails the lease is lost: `lost` is set and the job
    stops using the account.
    """

    def __init__(self, lease: Lease, on_renew: Callable[[], object] | None = None) -> None:
        super().__init__(name=f"lease-{lease.label}", daemon=True)
        self.lease = lease
        self.on_renew = on_renew
        self.lost = threading.Event()
        self._stop_event = threading.Event()
        self.interval = max(settings.ACCOUNT_LEASE_SECONDS / 3, 1)

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    if not renew_lease(self.lease):
                        self.lost.set()
                        return
                    if self.on_renew is not None:
                        self.on_renew()
                except Exception:  # a database hiccup: try again next round
                    log.exception("renewing the lease of %s failed", self.lease.label)
        finally:
            close_old_connections()
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=10)
