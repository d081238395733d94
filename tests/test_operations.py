"""Running the service: health, admin pages, retention, accounts, key rotation, pacing."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from platforms.models import PlatformAccount, cipher
from tasks_app.models import ParseResult, ParseTask
from tasks_app.services import results_purge_expired

pytestmark = pytest.mark.django_db


def make_task(owner: Any, **fields: Any) -> ParseTask:
    task = ParseTask.objects.create(
        owner=owner, platform="telegram", link="@x", target="@x", **fields
    )
    for n in range(3):
        ParseResult.objects.create(
            task=task,
            platform="telegram",
            platform_id=str(n),
            username=f"u{n}",
            phone="79990000000" if n else None,
            metadata={"is_bot": n == 2},
        )
    return task


def test_it_reports_health_503_without_a_worker_and_200_with_one(client: Any) -> None:
    import django_rq
    from rq import Worker

    django_rq.get_connection("default").flushdb()
    response = client.get("/api/v1/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert body["checks"]["workers"] == {"ok": False, "count": 0, "queues": []}
    worker = Worker(["high", "default", "low"], connection=django_rq.get_connection("default"))
    worker.register_birth()
    try:
        response = client.get("/api/v1/health/")
        assert response.status_code == 200
        assert response.json()["checks"]["workers"]["queues"] == ["default", "high", "low"]
    finally:
        worker.register_death()


def test_it_shows_tasks_and_results_to_staff_in_the_admin(
    client: Any, admin_user: Any, user: Any
) -> None:
    task = make_task(user, status="completed")
    client.force_login(admin_user)
    listing = client.get("/admin/tasks_app/parsetask/?status__exact=completed&platform=telegram")
    assert listing.status_code == 200 and task.task_id in listing.content.decode()
    page = client.get(f"/admin/tasks_app/parsetask/{task.pk}/change/").content.decode()
    assert "3 results</a>: 2 with a phone, 3 with a username, 1 bots, 0 deleted" in page
    assert "u0" in page and "u2" in page  # the read-only inline
    results = client.get(f"/admin/tasks_app/parseresult/?task__id__exact={task.pk}")
    assert results.status_code == 200


def test_it_keeps_personal_data_only_as_long_as_configured(user: Any, settings: Any) -> None:
    settings.PHONE_RETENTION_DAYS = 30
    settings.RESULTS_RETENTION_DAYS = 90
    now = timezone.now()
    fresh = make_task(user, status="completed", completed_at=now - timedelta(days=1))
    month = make_task(user, status="completed", completed_at=now - timedelta(days=40))
    old = make_task(user, status="completed", completed_at=now - timedelta(days=100))
    running = make_task(user, status="running")
    assert results_purge_expired() == {"phones_cleared": 4, "results_deleted": 3}
    assert ParseResult.objects.filter(task=fresh, phone__isnull=False).count() == 2
    assert ParseResult.objects.filter(task=month, phone__isnull=False).count() == 0
    assert ParseResult.objects.filter(task=month).count() == 3
    assert not ParseResult.objects.filter(task=old).exists()
    assert ParseResult.objects.filter(task=running, phone__isnull=False).count() == 2


def test_it_deletes_a_task_with_everything_it_collected(api: Any, user: Any) -> None:
    task = make_task(user, status="completed")
    assert api.delete(f"/api/v1/tasks/{task.task_id}/").status_code == 204
    assert not ParseTask.objects.filter(pk=task.pk).exists()
    assert not ParseResult.objects.filter(task_id=task.pk).exists()


def test_it_adds_sandbox_accounts_from_the_command_line() -> None:
    out = StringIO()
    call_command("add_sandbox_accounts", "3", stdout=out)
    call_command("add_sandbox_accounts", "2", stdout=out)
    labels = sorted(PlatformAccount.objects.values_list("label", flat=True))
    assert labels == [f"sandbox-{n}" for n in range(1, 6)]
    assert "Sandbox accounts now: 5" in out.getvalue()
    assert all(a.get_session() for a in PlatformAccount.objects.all())


def test_it_rotates_session_keys(settings: Any, sandbox_account: Any) -> None:
    from cryptography.fernet import Fernet

    session = sandbox_account.get_session()
    old_key = settings.SESSION_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.SESSION_ENCRYPTION_KEYS = [new_key, old_key]
    cipher.cache_clear()
    try:
        out = StringIO()
        call_command("rotate_session_keys", stdout=out)
        assert "Re-encrypted 1 session(s)" in out.getvalue()
        settings.SESSION_ENCRYPTION_KEYS = [new_key]  # the old key is gone
        cipher.cache_clear()
        assert PlatformAccount.objects.get(pk=sandbox_account.pk).get_session() == session
    finally:
        cipher.cache_clear()


def test_it_paces_the_requests_of_one_account() -> None:
    from telethon import functions, types

    from platforms.base import AccountCredentials
    from platforms.telegram.client import open_client
    from platforms.telegram.sandbox import sandbox_session_string

    async def timestamps() -> list[float]:
        client = await open_client(
            AccountCredentials(
                label="paced",
                kind="sandbox",
                session=sandbox_session_string(31),
                min_request_interval=0.2,
            )
        )
        stamps = []
        try:
            for _ in range(5):
                await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
                stamps.append(time.monotonic())
        finally:
            await client.disconnect()
        assert client.request_count == 5
        return stamps

    stamps = asyncio.run(timestamps())
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert min(gaps) >= 0.19, gaps


def test_it_gives_a_queued_task_a_new_job_when_redis_lost_its_job(
    api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import django_rq

    from tasks_app.services import tasks_recover

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/tasks/",
            {"platform": "telegram", "link": "@sandbox_group_1k"},
            format="json",
        )
    task = ParseTask.objects.get(task_id=response.json()["task_id"])
    assert task.status == "queued" and task.job_id
    queue = django_rq.get_queue("default")
    assert queue.job_ids == [task.job_id]
    # Young and with its job in place: nothing to do.
    assert tasks_recover()["lost_jobs"] == 0
    queue.connection.flushdb()  # Redis restarted without its data
    assert tasks_recover()["lost_jobs"] == 0  # not yet: it may just be waiting its turn
    ParseTask.objects.filter(pk=task.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    assert tasks_recover()["lost_jobs"] == 1
    task.refresh_from_db()
    assert queue.job_ids == [task.job_id]
    assert tasks_recover()["lost_jobs"] == 0  # the new job is there now
