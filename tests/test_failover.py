"""The pool under Telegram's punishments: FloodWait, bans, no account free."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from platforms.models import AccountLease, PlatformAccount
from platforms.telegram.client import sandbox_state
from platforms.telegram.sandbox import get_world
from tasks_app.models import ParseResult, ParseTask

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_sandbox() -> None:
    # Once-only events (the flood, the ban) must happen again in every test.
    sandbox_state().reset()


def create_task(api: Any, link: str, **settings: Any) -> ParseTask:
    response = api.post(
        "/api/v1/tasks/",
        {"platform": "telegram", "link": link, "settings": settings},
        format="json",
    )
    assert response.status_code == 201, response.content
    return ParseTask.objects.get(task_id=response.json()["task_id"])


def ids_of(task: ParseTask) -> list[str]:
    return list(ParseResult.objects.filter(task=task).values_list("platform_id", flat=True))


def test_it_moves_to_another_account_on_a_long_flood_wait_and_on_a_ban(
    api: Any, sandbox_accounts: Any, run_worker: Any
) -> None:
    sandbox_accounts(3)
    flood = create_task(api, "@sandbox_flood", user_limit=100_000, sources=["members"])
    ban = create_task(api, "@sandbox_ban_once", user_limit=100_000, sources=["members"])

    run_worker()

    world = get_world()
    for task, key in ((flood, "sandbox_flood"), (ban, "sandbox_ban_once")):
        task.refresh_from_db()
        assert task.status == "completed", (key, task.error_message)
        ids = ids_of(task)
        assert len(ids) == len(set(ids)) == world.community(key).listed_count
        assert set(ids) == {str(i) for i in world.expected_listed_user_ids(key)}
        # Each task was picked up again by a second account, from its checkpoint.
        holders = AccountLease.objects.filter(task=task).values_list("account", flat=True)
        assert len(set(holders)) == 2

    accounts = {a.status: a for a in PlatformAccount.objects.all()}
    assert set(accounts) == {"active", "cooling", "banned"}
    cooling = accounts["cooling"]
    rest = cooling.cooldown_until - timezone.now()
    assert timedelta(minutes=9) < rest <= timedelta(minutes=10)
    assert cooling.flood_waits_count == 1
    assert "cooling for 600" in cooling.last_error
    assert "banned" in accounts["banned"].last_error


def test_it_waits_in_the_queue_when_no_account_is_free(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    task = create_task(api, "@sandbox_flood", user_limit=100_000, sources=["members"])
    run_worker()
    task.refresh_from_db()
    assert task.status == "queued"
    assert task.waiting_reason.startswith("waiting for a free account, next at ")
    sandbox_account.refresh_from_db()
    local = timezone.localtime(sandbox_account.cooldown_until)
    assert task.waiting_reason.endswith(f"{local:%H:%M}")
    # What was collected before the wait is kept, and the task resumes from it.
    assert ParseResult.objects.filter(task=task).count() == 200
    assert task.checkpoint["offset"] == 200
    api_view = api.get(f"/api/v1/tasks/{task.task_id}/").json()
    assert api_view["waiting_reason"] == task.waiting_reason


def test_it_fails_clearly_when_every_account_is_dead(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    PlatformAccount.objects.update(status="banned")
    task = create_task(api, "@sandbox_group_1k")
    run_worker()
    task.refresh_from_db()
    assert task.status == "failed"
    assert "No Telegram account can be used" in task.error_message
