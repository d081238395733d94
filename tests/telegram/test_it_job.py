"""The adapter inside the whole job: API -> RQ worker process -> sandbox -> database.

Only what the job adds is checked here: merged sources in the stored rows, the
coverage stored on the task, the switch to another account with the checkpoint,
failures without tracebacks, and search tasks stored as community rows.
"""

from __future__ import annotations

from typing import Any

import pytest

from platforms.models import PlatformAccount
from platforms.telegram.sandbox import World
from tasks_app.models import ParseResult, ParseTask

pytestmark = pytest.mark.django_db(transaction=True)


def ids(values: Any) -> set[str]:
    return {str(v) for v in values}


def create_task(api: Any, link: str, task_type: str = "parse", **settings: Any) -> ParseTask:
    response = api.post(
        "/api/v1/tasks/",
        {"platform": "telegram", "link": link, "task_type": task_type, "settings": settings},
        format="json",
    )
    assert response.status_code == 201, response.content
    return ParseTask.objects.get(task_id=response.json()["task_id"])


def stored(task: ParseTask) -> dict[str, dict[str, Any]]:
    return dict(ParseResult.objects.filter(task=task).values_list("platform_id", "metadata"))


def test_it_stores_one_row_per_person_with_every_source_listed(
    api: Any, sandbox_account: Any, run_worker: Any, world: World
) -> None:
    task = create_task(api, "@sandbox_group_100k", user_limit=100_000)
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    listed = ids(world.expected_listed_user_ids("sandbox_group_100k"))
    authors = ids(world.expected_author_ids("sandbox_group_100k"))
    rows = stored(task)
    # Exactly the 10,000 listed members; the 80 history authors are among them.
    assert set(rows) == listed and len(rows) == 10_000
    by_source: dict[str, set[str]] = {}
    for pid, metadata in rows.items():
        by_source.setdefault(metadata["source"], set()).add(pid)
    assert by_source == {"members": listed - authors, "members,authors": authors}
    assert (len(by_source["members"]), len(by_source["members,authors"])) == (9_920, 80)
    assert task.result_count == 10_000
    assert task.coverage == {
        "reported_total": 100_000,
        "collected": 10_000,
        "reasons": ["Telegram lists at most 10,000 members"],
        "skipped": {},
    }


def test_it_stores_an_admin_channels_commenters_and_subscribers_as_one_row_each(
    api: Any, sandbox_account: Any, run_worker: Any, world: World
) -> None:
    task = create_task(api, "https://t.me/sandbox_admin_channel", user_limit=100_000)
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    commenters = ids(world.expected_commenter_ids("sandbox_admin_channel"))
    subscribers = ids(world.expected_listed_user_ids("sandbox_admin_channel"))
    by_source: dict[str, set[str]] = {}
    for pid, metadata in stored(task).items():
        by_source.setdefault(metadata["source"], set()).add(pid)
    assert by_source == {
        "commenters,members": commenters & subscribers,
        "commenters": commenters - subscribers,
        "members": subscribers - commenters,
    }
    assert [len(by_source[s]) for s in ("commenters,members", "commenters", "members")] == [
        45,
        5,
        255,
    ]
    assert task.result_count == 305
    assert task.coverage == {
        "reported_total": 300,
        "collected": 305,
        "reasons": ["comments posted as a channel skipped"],
        "skipped": {"comments posted as a channel": 2},
    }


def test_it_moves_a_task_to_another_account_on_a_long_flood_wait_and_finishes_it(
    api: Any, sandbox_accounts: Any, run_worker: Any, world: World
) -> None:
    first, _second = sandbox_accounts(2)
    # sandbox_flood: FLOOD_WAIT_600 once, to the first request for a second page.
    task = create_task(api, "@sandbox_flood", user_limit=5000)
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    assert set(stored(task)) == ids(world.expected_listed_user_ids("sandbox_flood"))
    assert task.result_count == 2000
    cooled = PlatformAccount.objects.get(pk=first.pk)
    assert cooled.status == "cooling"
    assert cooled.last_error == "account cooling for 600 s"
    assert cooled.flood_waits_count == 1


def test_it_moves_a_task_off_a_banned_account_and_finishes_it(
    api: Any, sandbox_accounts: Any, run_worker: Any, world: World
) -> None:
    first, _second = sandbox_accounts(2)
    task = create_task(api, "@sandbox_ban_once", user_limit=5000)
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    assert set(stored(task)) == ids(world.expected_listed_user_ids("sandbox_ban_once"))
    banned = PlatformAccount.objects.get(pk=first.pk)
    assert banned.status == "banned"
    assert banned.last_error == "Telegram banned this account (USER_DEACTIVATED_BAN)"


def test_it_fails_tasks_with_the_reason_and_finishes_hidden_groups_with_authors(
    api: Any, sandbox_account: Any, run_worker: Any, world: World
) -> None:
    quiet = create_task(api, "https://t.me/sandbox_quiet", user_limit=1000)
    expired = create_task(api, "https://t.me/+SandboxExpired")
    hidden = create_task(api, "@sandbox_hidden", user_limit=100_000)
    run_worker()
    for task in (quiet, expired, hidden):
        task.refresh_from_db()
    assert quiet.status == "failed"
    assert quiet.error_message == (
        "Comments are disabled on this channel, so it has no commenters to collect."
    )
    assert expired.status == "failed"
    assert expired.error_message == "This invite link has expired."
    assert hidden.status == "completed", hidden.error_message
    assert set(stored(hidden)) == ids(world.expected_author_ids("sandbox_hidden"))
    assert {m["source"] for m in stored(hidden).values()} == {"authors"}
    assert hidden.coverage["reasons"] == ["member list hidden"]
    assert (hidden.coverage["reported_total"], hidden.coverage["collected"]) == (5000, 400)


def test_it_stores_a_search_task_as_community_rows(
    api: Any, sandbox_account: Any, run_worker: Any, world: World
) -> None:
    task = create_task(api, "sandbox", task_type="search")
    run_worker()
    task.refresh_from_db()
    assert task.status == "completed", task.error_message
    rows = ParseResult.objects.filter(task=task)
    assert {r.content_type for r in rows} == {"community"}
    expected = {
        c.username: c.participants_count
        for c in world.communities
        if c.username and c.username != "sandbox_banned"
    }
    assert {r.username: r.metadata["participants_count"] for r in rows} == expected
