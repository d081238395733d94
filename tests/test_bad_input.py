"""Whatever people send, the answer is a 4xx with a sentence, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db

WEIRD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    10**30,
    1.5,
    "",
    " ",
    "\x00",
    "é" * 600,
    "@" * 501,
    [],
    [1, 2],
    {},
    {"a": {"b": []}},
    "t.me/c/0/0",
    "https://t.me/+",
    "<script>",
]


def bodies() -> list[Any]:
    base = {"platform": "telegram", "link": "@sandbox_group_1k"}
    out: list[Any] = [None, [], "text", 42]
    for key in ("platform", "link", "task_type", "priority", "settings"):
        for value in WEIRD_VALUES:
            out.append({**base, key: value})
    for key in ("user_limit", "message_limit", "sources", "filters", "full_profile", "join"):
        for value in WEIRD_VALUES:
            out.append({**base, "settings": {key: value}})
    for value in WEIRD_VALUES:
        out.append({**base, "settings": {"filters": {"last_seen_within_days": value}}})
        out.append({**base, "settings": {"filters": {"skip_bots": value}}})
    return out


def test_it_never_answers_500_to_a_task_body(api: Any) -> None:
    for body in bodies():
        response = api.post("/api/v1/tasks/", json.dumps(body), content_type="application/json")
        assert response.status_code in (201, 400), (body, response.status_code)
        if response.status_code == 400:
            assert isinstance(response.json()["detail"], str) and response.json()["detail"]


def test_it_never_answers_500_to_query_strings(api: Any, sandbox_account: Any) -> None:
    task_id = api.post(
        "/api/v1/tasks/", {"platform": "telegram", "link": "@x_group"}, format="json"
    ).json()["task_id"]
    queries = [
        "format=",
        "format=JSON",
        "limit=1e3",
        "limit=-5",
        "offset=99999999999999999999",
        "after=-1",
        "after=abc",
        "has_phone=maybe",
        "source=friends",
        "q=" + "x" * 500,
        "limit=%00",
        "format=csv&limit=0",
    ]
    for query in queries:
        response = api.get(f"/api/v1/tasks/{task_id}/results/?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)
    for query in [
        "q=",
        "q=a",
        "q=%00%00%00",
        "q=" + "x" * 500,
        "platform=myspace&q=abc",
        "platform=instagram&q=abc",
        "limit=0&q=abc",
    ]:
        response = api.get(f"/api/v1/search/?{query}")
        assert response.status_code == 400, (query, response.status_code)
    for query in [
        "limit=abc",
        "offset=-1",
        "limit=0",
        "offset=99999999999999999999",
        "limit=99999999999999999999",
    ]:
        assert api.get(f"/api/v1/tasks/?{query}").status_code in (200, 400), query


def test_it_never_answers_500_on_the_pages(client: Any, user: Any) -> None:
    from tasks_app.models import ParseTask

    client.force_login(user)
    form = {
        "platform": "telegram",
        "links": "@x_group",
        "task_type": "parse",
        "priority": "normal",
        "user_limit": "10",
    }
    assert client.post("/tasks/new/", form).status_code == 302
    task_id = ParseTask.objects.get().task_id
    fields = ("user_limit", "message_limit", "links", "platform", "priority", "task_type")
    for value in ["", "\x00", "9" * 40, "-1", "abc", "é" * 300]:
        for field in (*fields, "last_seen_within_days"):
            response = client.post("/tasks/new/", {**form, field: value})
            assert response.status_code in (200, 302), (field, value)
        for url in [
            f"/search/?q={value}",
            f"/tasks/{task_id}/results/?after={value}",
            f"/?page={value}",
            f"/tasks/{task_id}/?after={value}",
        ]:
            assert client.get(url).status_code in (200, 400, 404), url
