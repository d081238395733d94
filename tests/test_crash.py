"""A worker killed mid-task: nothing lost, nothing duplicated, account back in the pool."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest

from platforms.models import PlatformAccount
from platforms.pool import lease_account, release_lease
from platforms.telegram.client import sandbox_state
from platforms.telegram.sandbox import get_world
from tasks_app.models import ParseResult, ParseTask
from tasks_app.services import tasks_recover
from tests.conftest import ROOT, kill_tree, service_env

pytestmark = pytest.mark.django_db(transaction=True)

LEASE = 12  # longer than the sandbox's memory of a dead connection (10 s)


def test_it_resumes_a_task_whose_worker_was_killed(
    api: Any, sandbox_account: Any, run_worker: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ACCOUNT_LEASE_SECONDS = LEASE
    sandbox_state().reset()
    response = api.post(
        "/api/v1/tasks/",
        {
            "platform": "telegram",
            "link": "@sandbox_group_100k",
            "settings": {"user_limit": 10_000, "sources": ["members"]},
        },
        format="json",
    )
    task = ParseTask.objects.get(task_id=response.json()["task_id"])
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "rqworker", "default"],
        env=service_env(TELEGRAM_MIN_REQUEST_INTERVAL_MS="150"),
        cwd=ROOT,
        start_new_session=True,
        stdout=(tmp_path / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while ParseResult.objects.filter(task=task).count() < 1000:
            assert time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.1)
    finally:
        kill_tree(worker.pid)  # the worker and its work horse, like a lost machine
        worker.wait(timeout=10)
    killed_at = time.monotonic()

    task.refresh_from_db()
    assert task.status == "running"
    saved = ParseResult.objects.filter(task=task).count()
    assert 1000 <= saved < 10_000
    assert task.checkpoint["offset"] >= saved  # the checkpoint matches what was saved

    # The dead worker's lease still holds the account: nobody may use it yet.
    assert lease_account(platform="telegram", holder="too-early") is None
    assert tasks_recover() == {"recovered": 0, "enqueued": 0, "lost_jobs": 0}

    # After one lease period the account returns and the task is taken back.
    time.sleep(max(0.0, LEASE + 0.5 - (time.monotonic() - killed_at)))
    probe = lease_account(platform="telegram", holder="probe")
    assert probe is not None and probe.account_id == sandbox_account.pk
    release_lease(probe, outcome="probe")
    assert tasks_recover() == {"recovered": 1, "enqueued": 0, "lost_jobs": 0}
    task.refresh_from_db()
    assert task.status == "queued" and "resuming" in task.waiting_reason

    run_worker()

    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    assert task.attempts == 2
    ids = list(ParseResult.objects.filter(task=task).values_list("platform_id", flat=True))
    assert len(ids) == len(set(ids)) == 10_000
    assert set(ids) == {str(i) for i in get_world().expected_listed_user_ids("sandbox_group_100k")}
    sandbox_account.refresh_from_db()
    assert sandbox_account.status == "active"  # no AUTH_KEY_DUPLICATED along the way
    assert PlatformAccount.objects.get(pk=sandbox_account.pk).lease_token == ""
