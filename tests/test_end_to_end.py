"""The main job end to end, on the real stack.

A task goes in through the API with a JWT, a real RQ worker process runs it
against the Telegram sandbox (Telethon's own code over the in-process fake
Telegram), and the people come out as JSON, CSV and Excel.
"""

from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from openpyxl import load_workbook

from platforms.telegram.sandbox import get_world
from tasks_app.exports import cell, xlsx_cell
from tasks_app.models import ParseResult, ParseTask

pytestmark = pytest.mark.django_db(transaction=True)


def create_task(api: Any, link: str, **settings: Any) -> str:
    response = api.post(
        "/api/v1/tasks/",
        {"platform": "telegram", "link": link, "settings": settings},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["task_id"]


def all_results(api: Any, task_id: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    after = None
    while True:
        query = "limit=1000" + (f"&after={after}" if after else "")
        page = api.get(f"/api/v1/tasks/{task_id}/results/?{query}").json()
        results += page["results"]
        after = page["next_after"]
        if not after:
            return results


def listen(group: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel


def drain(layer: Any, channel: str) -> list[dict[str, Any]]:
    async def receive_all() -> list[dict[str, Any]]:
        messages = []
        while True:
            try:
                messages.append(await asyncio.wait_for(layer.receive(channel), timeout=1.0))
            except TimeoutError:
                return messages

    return async_to_sync(receive_all)()


def export_rows(api: Any, task_id: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    url = f"/api/v1/tasks/{task_id}/results/"
    csv_response = api.get(url + "?format=csv")
    assert csv_response.status_code == 200
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text, newline="")))
    xlsx_response = api.get(url + "?format=xlsx")
    assert xlsx_response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(xlsx_response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    xlsx_rows = [
        {h: ("" if v is None else v) for h, v in zip(rows[0], r, strict=True)} for r in rows[1:]
    ]
    return csv_rows, xlsx_rows


def flatten(result: dict[str, Any], keys: list[str], convert: Any) -> dict[str, Any]:
    from datetime import datetime

    def when(value: str | None) -> Any:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    return {
        "platform_id": convert(result["platform_id"]),
        "username": convert(result["username"]),
        "display_name": convert(result["display_name"]),
        "phone": convert(result["phone"]),
        "joined_at": convert(when(result["joined_at"])),
        **{f"metadata_{k}": convert(result["metadata"].get(k)) for k in keys},
        "created_at": convert(when(result["created_at"])),
    }


def test_it_collects_250_of_a_1000_member_group_into_json_csv_and_excel(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    task_id = create_task(api, "https://t.me/sandbox_group_1k", user_limit=250)
    layer, channel = listen(f"task.{task_id}")

    run_worker()

    task = api.get(f"/api/v1/tasks/{task_id}/").json()
    assert task["status"] == "completed", task
    assert task["progress"] == 100
    assert task["result_count"] == 250
    assert task["coverage"]["reported_total"] == 1000
    assert "limit reached" in task["coverage"]["reasons"]

    results = all_results(api, task_id)
    ids = [r["platform_id"] for r in results]
    assert len(ids) == 250 == len(set(ids))
    members = {str(i) for i in get_world().expected_listed_user_ids("sandbox_group_1k")}
    assert set(ids) <= members
    # Everyone listed with a participant record has a join date; only the
    # creator's record (ChannelParticipantCreator) carries none.
    for r in results:
        assert r["metadata"]["source"] == "members"
        if r["metadata"]["role"] != "creator":
            assert r["joined_at"], r
    assert sum(1 for r in results if r["joined_at"]) >= 249
    assert any(r["phone"] for r in results) and any(not r["phone"] for r in results)

    csv_rows, xlsx_rows = export_rows(api, task_id)
    keys = [h.removeprefix("metadata_") for h in csv_rows[0] if h.startswith("metadata_")]
    assert csv_rows == [flatten(r, keys, cell) for r in results]
    assert xlsx_rows == [flatten(r, keys, xlsx_cell) for r in results]

    messages = drain(layer, channel)
    updates = [m["task"] for m in messages if m["type"] == "task.update"]
    assert len(updates) >= 2
    assert updates[-1]["status"] == "completed" and updates[-1]["progress"] == 100
    assert any(u["status"] == "running" for u in updates)


def test_it_collects_exactly_the_distinct_commenters_of_a_channel(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    task_id = create_task(api, "@sandbox_channel", user_limit=100_000)
    run_worker()
    task = ParseTask.objects.get(task_id=task_id)
    assert task.status == "completed", task.error_message
    expected = {str(i) for i in get_world().expected_commenter_ids("sandbox_channel")}
    assert len(expected) == 300
    got = set(ParseResult.objects.filter(task=task).values_list("platform_id", flat=True))
    assert got == expected
    assert all(
        m["source"] == "commenters"
        for m in ParseResult.objects.filter(task=task).values_list("metadata", flat=True)
    )


def test_it_fails_a_task_for_a_username_nobody_has_with_a_clear_message(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    task_id = create_task(api, "@sandbox_nobody_has_this")
    run_worker()
    task = api.get(f"/api/v1/tasks/{task_id}/").json()
    assert task["status"] == "failed"
    assert (
        task["error_message"] == "No Telegram group or channel is called @sandbox_nobody_has_this."
    )
    assert "Traceback" not in task["error_message"]


def test_it_runs_a_task_once_when_its_job_is_delivered_twice(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    from tasks_app.jobs import run_task
    from tasks_app.services import _enqueue_queued

    task_id = create_task(api, "@sandbox_group_1k", user_limit=300)
    task = ParseTask.objects.get(task_id=task_id)
    _enqueue_queued(task.pk, None)  # a second delivery of the same job
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed"
    assert task.attempts == 1
    assert ParseResult.objects.filter(task=task).count() == 300
    assert run_task(task.pk) == "not claimed"
    assert ParseResult.objects.filter(task=task).count() == 300


def test_it_runs_high_priority_tasks_before_normal_and_low_ones(
    api: Any, sandbox_account: Any, run_worker: Any
) -> None:
    order = ["low", "normal", "high", "low", "high"]
    ids = []
    for priority in order:
        response = api.post(
            "/api/v1/tasks/",
            {
                "platform": "telegram",
                "link": "@sandbox_group_1k",
                "priority": priority,
                "settings": {"user_limit": 10},
            },
            format="json",
        )
        ids.append(response.json()["task_id"])
    run_worker()
    tasks = sorted(ParseTask.objects.filter(task_id__in=ids), key=lambda t: t.started_at)
    assert [t.priority for t in tasks] == ["high", "high", "normal", "low", "low"]
    assert all(t.status == "completed" for t in tasks)
