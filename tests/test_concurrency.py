"""Many workers, few accounts: a session is never live in two places.

Telegram kills a session used from two connections at once
(AUTH_KEY_DUPLICATED). Eight real RQ worker processes share three sandbox
accounts while the sandbox injects random FloodWaits (some short enough to be
slept, some long enough to rest the account). Every lease interval is recorded;
none may overlap on one account, no account may be used before its cooldown
ends, and every task must still collect exactly its people. The sandbox itself
enforces the rule too: a second live connection with the same key would kill
the session and the account would show up as unauthorized.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from platforms.models import AccountLease, PlatformAccount
from platforms.telegram.client import sandbox_state
from platforms.telegram.sandbox import get_world
from tasks_app.models import ParseResult, ParseTask
from tests.conftest import ROOT, service_env

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8
TARGETS = [
    ("@sandbox_group_1k", {"sources": ["members"]}, "listed"),
    ("@sandbox_channel", {}, "commenters"),
    ("@sandbox_admin_only", {}, "authors"),
]


def expected(key: str, kind: str) -> set[str]:
    world = get_world()
    ids = {
        "listed": world.expected_listed_user_ids,
        "commenters": world.expected_commenter_ids,
        "authors": world.expected_author_ids,
    }[kind](key)
    return {str(i) for i in ids}


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    env = service_env(TELEGRAM_FLOOD_SLEEP_THRESHOLD="1")
    return [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "rqworker",
                "high",
                "default",
                "low",
                "--with-scheduler",
            ],
            env=env,
            cwd=ROOT,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    # A warm shutdown, as in production: idle workers leave at once and give
    # up the scheduler lock; whatever hangs is killed.
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)


def test_it_never_lends_one_account_to_two_workers_at_once(api: Any, sandbox_accounts: Any) -> None:
    state = sandbox_state()
    state.reset()
    # Floods on the paging requests of members and history (a channel's
    # comment threads are left alone to keep the run short).
    state.set_faults(
        {
            "flood_rate": 0.25,
            "flood_seconds": [1, 3],
            "seed": 11,
            "requests": ["GetParticipants", "GetHistory"],
        }
    )
    sandbox_accounts(3)
    tasks: list[tuple[ParseTask, set[str]]] = []
    for round_ in range(3):
        for link, settings, kind in TARGETS:
            response = api.post(
                "/api/v1/tasks/",
                {
                    "platform": "telegram",
                    "link": link,
                    "priority": ["high", "normal", "low"][round_ % 3],
                    "settings": {"user_limit": 100_000, **settings},
                },
                format="json",
            )
            assert response.status_code == 201
            task = ParseTask.objects.get(task_id=response.json()["task_id"])
            tasks.append((task, expected(link[1:], kind)))

    workers = start_workers(WORKERS)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if not ParseTask.objects.exclude(status__in=["completed", "failed"]).exists():
                break
            time.sleep(0.5)
    finally:
        stop(workers)
        state.set_faults(None)

    for task, people in tasks:
        task.refresh_from_db()
        assert task.status == "completed", (task.link, task.status, task.error_message)
        ids = list(ParseResult.objects.filter(task=task).values_list("platform_id", flat=True))
        assert len(ids) == len(set(ids))
        assert set(ids) == people, task.link

    assert state.counter("faults:injected") > 0
    leases = list(AccountLease.objects.order_by("account_id", "started_at"))
    assert len(leases) > len(tasks)  # the floods made tasks change accounts
    rests = 0
    for previous, current in zip(leases, leases[1:], strict=False):
        if previous.account_id != current.account_id:
            continue
        assert previous.ended_at is not None
        assert current.started_at >= previous.ended_at, (previous.holder, current.holder)
        if previous.rest_until:
            rests += 1
            assert current.started_at >= previous.rest_until
    assert rests > 0  # some FloodWaits were long enough to rest an account
    assert all(lease.ended_at for lease in leases)
    statuses = set(PlatformAccount.objects.values_list("status", flat=True))
    assert statuses <= {"active", "cooling"}, statuses  # no session was killed
