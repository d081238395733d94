"""The task API: creation, validation, ownership."""

from __future__ import annotations

from typing import Any

import pytest

from tasks_app.models import ParseTask

pytestmark = pytest.mark.django_db


def create(api: Any, **fields: Any) -> Any:
    body = {"platform": "telegram", "link": "@sandbox_group_1k", **fields}
    return api.post("/api/v1/tasks/", body, format="json")


def test_it_creates_a_task_with_an_opaque_id(
    api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = create(api, settings={"user_limit": 250}, priority="high")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["settings"]["user_limit"] == 250
    assert body["target"] == "@sandbox_group_1k"
    task = ParseTask.objects.get(task_id=body["task_id"])
    assert str(task.pk) != body["task_id"] and len(body["task_id"]) >= 20
    assert "id" not in body


def test_it_queues_the_task_on_its_priority_queue(
    api: Any, redis_conn: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):
        response = create(api, priority="low")
    assert response.status_code == 201
    task = ParseTask.objects.get(task_id=response.json()["task_id"])
    assert task.status == "queued"
    assert django_rq.get_queue("low").count == 1
    assert django_rq.get_queue("high").count == 0
    assert django_rq.get_queue("default").count == 0
    job = django_rq.get_queue("low").jobs[0]
    assert job.func_name == "tasks_app.jobs.run_task"
    assert job.args == (task.pk,)


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"platform": "myspace"}, "platform", "Unknown platform"),
        ({"platform": "instagram"}, "platform", "not available yet"),
        ({"platform": "whatsapp"}, "platform", "not available yet"),
        ({"link": ""}, "link", "empty"),
        ({"link": "   "}, "link", "empty"),
        ({"link": "http://example.com/group"}, "link", "Accepted forms"),
        ({"link": "t.me/joinchat"}, "link", "Accepted forms"),
        ({"settings": {"user_limit": 0}}, "user_limit", "between 1 and 100,000"),
        ({"settings": {"user_limit": 10**9}}, "user_limit", "between 1 and 100,000"),
        ({"settings": {"user_limit": "many"}}, "user_limit", "whole number"),
        ({"settings": {"user_limit": True}}, "user_limit", "whole number"),
        ({"settings": {"colour": "red"}}, "settings", "Unknown setting"),
        ({"settings": {"sources": ["friends"]}}, "sources", "sources may contain only"),
        ({"settings": []}, "settings", "must be an object"),
        ({"priority": "urgent"}, "priority", "not a valid choice"),
        ({"task_type": "spy"}, "task_type", "not a valid choice"),
        ({"task_type": "search", "link": "ab"}, "q", "at least 3 characters"),
    ],
)
def test_it_rejects_bad_input_with_a_readable_400(
    api: Any, fields: dict[str, Any], field: str, words: str
) -> None:
    response = create(api, **fields)
    assert response.status_code == 400, response.content
    body = response.json()
    assert words in body["detail"], body
    assert field in body["errors"], body
    assert ParseTask.objects.count() == 0


def test_it_rejects_malformed_json(api: Any) -> None:
    response = api.post("/api/v1/tasks/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_it_requires_authentication(client: Any) -> None:
    assert client.get("/api/v1/tasks/").status_code == 401
    assert client.post("/api/v1/tasks/", {}).status_code == 401


def test_it_lists_own_tasks_newest_first_paginated(api: Any, other_api: Any) -> None:
    for n in range(3):
        create(api, link=f"@sandbox_group_{n}k")
    create(other_api)
    body = api.get("/api/v1/tasks/?limit=2").json()
    assert body["count"] == 3
    assert [t["link"] for t in body["results"]] == ["@sandbox_group_2k", "@sandbox_group_1k"]
    assert body["next"]


def test_it_hides_other_users_tasks(api: Any, other_api: Any) -> None:
    task_id = create(api).json()["task_id"]
    for method, url in [
        ("get", f"/api/v1/tasks/{task_id}/"),
        ("get", f"/api/v1/tasks/{task_id}/results/"),
        ("get", f"/api/v1/tasks/{task_id}/results/?format=csv"),
        ("get", f"/api/v1/tasks/{task_id}/results/?format=xlsx"),
        ("post", f"/api/v1/tasks/{task_id}/cancel/"),
        ("post", f"/api/v1/tasks/{task_id}/retry/"),
        ("delete", f"/api/v1/tasks/{task_id}/"),
    ]:
        response = getattr(other_api, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
    assert ParseTask.objects.get(task_id=task_id).status == "pending"
    assert api.get(f"/api/v1/tasks/{task_id}/").status_code == 200


def test_it_cancels_an_unfinished_task_once(api: Any) -> None:
    task_id = create(api).json()["task_id"]
    response = api.post(f"/api/v1/tasks/{task_id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/tasks/{task_id}/cancel/")
    assert again.status_code == 409
    assert "already cancelled" in again.json()["detail"]


def test_it_validates_result_query_parameters(api: Any) -> None:
    task_id = create(api).json()["task_id"]
    for query in ["format=pdf", "limit=0", "limit=5000", "offset=-1", "limit=abc"]:
        response = api.get(f"/api/v1/tasks/{task_id}/results/?{query}")
        assert response.status_code == 400, query
        assert response.json()["detail"]


def test_it_lists_platforms_with_availability(client: Any) -> None:
    platforms = {p["name"]: p for p in client.get("/api/v1/platforms/").json()["platforms"]}
    assert platforms["telegram"]["available"] is True
    assert platforms["telegram"]["capabilities"] == ["parse", "search"]
    assert platforms["instagram"]["available"] is False
    assert "not available yet" in platforms["instagram"]["reason"]
    assert platforms["whatsapp"]["available"] is False


def test_it_answers_404_not_500_for_a_garbage_task_id(api: Any) -> None:
    for garbage in ["%00", "x%00y", "a" * 40, "%F0%9F%92%A9"]:
        for suffix in ["", "results/", "cancel/"]:
            url = f"/api/v1/tasks/{garbage}/{suffix}"
            response = api.post(url) if suffix == "cancel/" else api.get(url)
            assert response.status_code == 404, url


def test_it_retries_only_failed_or_cancelled_tasks(
    api: Any, django_capture_on_commit_callbacks: Any
) -> None:
    task_id = create(api).json()["task_id"]
    refused = api.post(f"/api/v1/tasks/{task_id}/retry/")
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "The task is pending; only failed or cancelled tasks can be retried."
    )
    ParseTask.objects.filter(task_id=task_id).update(status="failed", error_message="boom")
    with django_capture_on_commit_callbacks(execute=True):
        retried = api.post(f"/api/v1/tasks/{task_id}/retry/")
    assert retried.status_code == 200
    task = ParseTask.objects.get(task_id=task_id)
    assert task.status == "queued" and task.error_message == ""
