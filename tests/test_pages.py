"""The browser pages at the Django level: what each page shows, whose data, what
a form does with good and bad input, and that no input makes a page fail."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from platforms.base import Community
from platforms.errors import InvalidQuery, NoAccountAvailable
from tasks_app import dashboard
from tasks_app.models import ParseResult, ParseTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def make_task(owner: Any, **fields: Any) -> ParseTask:
    defaults = {"platform": "telegram", "link": "@sandbox_group_1k", "target": "@sandbox_group_1k"}
    return ParseTask.objects.create(owner=owner, **{**defaults, **fields})


def add_results(task: ParseTask, count: int) -> list[ParseResult]:
    return ParseResult.objects.bulk_create(
        ParseResult(
            task=task,
            platform="telegram",
            platform_id=str(10_000 + n),
            username=f"person{n}",
            display_name=f"Person {n}",
            phone="79990001122" if n % 2 else None,
            metadata={"source": "members", "is_bot": n == 3, "is_premium": n == 4},
        )
        for n in range(count)
    )


def text(response: Any) -> str:
    return response.content.decode()


def rows(html: str) -> list[str]:
    """The data-task-id of each task row, in page order."""
    return re.findall(r'<tr data-task-id="([^"]+)"', html)


def post_task(browser: Client, **fields: Any) -> Any:
    data = {
        "platform": "telegram",
        "links": "@sandbox_group_1k",
        "task_type": "parse",
        "priority": "normal",
        "user_limit": "100",
        **fields,
    }
    return browser.post("/tasks/new/", data)


# --- login, header ------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/tasks/new/", "/tasks/abc/", "/search/"])
def test_it_sends_anonymous_visitors_to_the_login_page(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/login/?next={path}")


def test_it_logs_in_and_shows_the_user_and_the_admin_link_only_to_staff(
    client: Client, user: Any, django_user_model: Any
) -> None:
    assert "Log in" in text(client.get("/login/"))
    wrong = client.post("/login/", {"username": "alice", "password": "nope"})
    assert wrong.status_code == 200 and "enter a correct username and password" in text(wrong)
    response = client.post("/login/", {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 302 and response["Location"] == "/"
    page = text(client.get("/"))
    assert "Signed in as <strong>alice</strong>" in page
    assert 'href="/admin/"' not in page
    django_user_model.objects.create_user("root", password="root-password-1", is_staff=True)
    client.force_login(django_user_model.objects.get(username="root"))
    assert 'href="/admin/"' in text(client.get("/"))
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


# --- the task list ------------------------------------------------------------------------


def test_it_lists_the_users_tasks_newest_first_with_progress_and_buttons(
    browser: Client, user: Any, other_user: Any
) -> None:
    failed = make_task(user, status="failed", error_message="The group is private.")
    queued = make_task(
        user, status="queued", waiting_reason="waiting for a free account, next at 12:30"
    )
    running = make_task(
        user, status="running", progress=24, result_count=1240, settings={"user_limit": 5000}
    )
    make_task(other_user, link="@bobs_secret_group")
    html = text(browser.get("/"))
    assert rows(html) == [running.task_id, queued.task_id, failed.task_id]
    assert "bobs_secret_group" not in html
    assert '<progress max="100" value="24"' in html
    assert '1,240</span> / <span data-field="user_limit">5,000</span> people' in html
    assert "waiting for a free account, next at 12:30" in html
    assert "The group is private." in html
    for task in (running, queued, failed):
        row = html.split(f'data-task-id="{task.task_id}"')[1].split("</tr>")[0]
        assert f'href="/tasks/{task.task_id}/"' in row
        assert "Download Excel" in row and "Download CSV" in row
        assert ("Cancel</button>" in row) == task.is_active
        assert ("Retry</button>" in row) == (task.status == "failed")


def test_it_paginates_the_task_list(browser: Client, user: Any) -> None:
    tasks = [make_task(user, link=f"@group_{n}") for n in range(30)]
    first, second = text(browser.get("/")), text(browser.get("/?page=2"))
    assert rows(first) == [t.task_id for t in reversed(tasks[5:])]
    assert rows(second) == [t.task_id for t in reversed(tasks[:5])]
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    # Only the first page takes in tasks created elsewhere.
    assert "data-live-insert" in first and "data-live-insert" not in second
    assert rows(text(browser.get("/?page=banana"))) == rows(first)


def test_it_renders_one_row_as_a_fragment_for_the_page_script(browser: Client, user: Any) -> None:
    task = make_task(user, status="completed", progress=100, result_count=7)
    html = text(browser.get(f"/tasks/{task.task_id}/row/"))
    assert html.strip().startswith(f'<tr data-task-id="{task.task_id}"')
    assert 'data-status="completed"' in html and "<html" not in html


# --- new task -----------------------------------------------------------------------------


def test_it_offers_platforms_with_the_unavailable_ones_disabled_and_explained(
    browser: Client,
) -> None:
    html = text(browser.get("/tasks/new/"))
    assert '<option value="telegram" selected>Telegram</option>' in html
    instagram = re.search(r'<option value="instagram"([^>]*)>([^<]*)<', html)
    assert instagram and "disabled" in instagram.group(1)
    assert "not available yet" in instagram.group(2)


def test_it_creates_one_queued_task_per_line(
    browser: Client, user: Any, redis_conn: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import django_rq

    with django_capture_on_commit_callbacks(execute=True):
        response = post_task(
            browser,
            links="@sandbox_group_1k\n\n  https://t.me/sandbox_channel  \n@sandbox_group_1k\n",
            priority="high",
            user_limit="250",
            sources=["members", "authors"],
            skip_bots="on",
            last_seen_within_days="7",
        )
    assert response.status_code == 302 and response["Location"] == "/"
    tasks = list(ParseTask.objects.filter(owner=user).order_by("id"))
    assert [t.link for t in tasks] == ["@sandbox_group_1k", "https://t.me/sandbox_channel"]
    assert all(t.status == "queued" and t.priority == "high" for t in tasks)
    assert tasks[0].settings == {
        "user_limit": 250,
        "sources": ["members", "authors"],
        "filters": {"skip_bots": True, "last_seen_within_days": 7},
    }
    assert django_rq.get_queue("high").count == 2
    assert "Created 2 tasks." in text(browser.get("/"))


def test_it_keeps_the_refused_lines_with_their_reasons_and_creates_the_others(
    browser: Client, user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = post_task(
            browser, links="@good_one\nhttp://example.com/group\n@good_two\nt.me/joinchat"
        )
    assert response.status_code == 200
    assert sorted(ParseTask.objects.values_list("link", flat=True)) == ["@good_one", "@good_two"]
    html = text(response)
    assert "Created 2 tasks." in html
    box = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)
    assert box and box.group(1).split() == ["http://example.com/group", "t.me/joinchat"]
    errors = re.search(r'<ul class="errorlist" id="id_links_error">(.*?)</ul>', html, re.S)
    assert errors and errors.group(1).count("<li>") == 2
    assert "Accepted forms" in errors.group(1)
    assert "2 lines could not be used" in html


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"user_limit": "0"}, "user_limit", "greater than or equal to 1"),
        ({"user_limit": "1000000"}, "user_limit", "less than or equal to 100000"),
        ({"user_limit": "many"}, "user_limit", "Enter a whole number"),
        ({"links": "  \n "}, "links", "Paste at least one link"),
        ({"links": "\n".join(f"@group_{n}" for n in range(101))}, "links", "At most 100"),
        ({"platform": "instagram"}, "platform", "not available yet"),
        ({"platform": "myspace"}, "platform", "Select a valid choice"),
        ({"sources": ["friends"]}, "sources", "Select a valid choice"),
        ({"last_seen_within_days": "-3"}, "last_seen_within_days", "greater than or equal"),
        ({"priority": "urgent"}, "priority", "Select a valid choice"),
        ({"task_type": "search", "links": "ab"}, "links", "at least 3 characters"),
    ],
)
def test_it_shows_validation_errors_beside_the_fields(
    browser: Client, fields: dict[str, Any], field: str, words: str
) -> None:
    response = post_task(browser, **fields)
    assert response.status_code == 200
    html = text(response)
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    assert errors and words in errors.group(1), html[html.find("errorlist") - 300 :][:800]
    if field != "sources":
        assert re.search(rf'<[^>]+aria-invalid="true"[^>]*id="id_{field}"', html)
    assert not ParseTask.objects.exists()


# --- results ------------------------------------------------------------------------------


def test_it_shows_one_page_of_results_and_the_next_after_the_cursor(
    browser: Client, user: Any, django_assert_max_num_queries: Any
) -> None:
    task = make_task(
        user,
        status="completed",
        progress=100,
        result_count=120,
        coverage={
            "reported_total": 1000,
            "collected": 120,
            "reasons": ["limit reached", "member list hidden"],
            "skipped": {"bots": 4},
        },
        settings={"user_limit": 120},
    )
    people = add_results(task, 120)
    with django_assert_max_num_queries(8):
        html = text(browser.get(f"/tasks/{task.task_id}/"))
    shown = re.findall(r'<tr data-result-id="(\d+)"', html)
    assert shown == [str(p.pk) for p in people[:50]]
    assert f'data-show-more href="?after={people[49].pk}"' in html
    assert 'href="https://t.me/person3"' in html and '<span class="badge">bot</span>' in html
    assert "79990001122" in html
    assert 'of <strong data-field="reported_total">1,000</strong> that Telegram reports' in html
    assert "limit reached" in html and "member list hidden" in html and "bots (4)" in html
    assert "Stopped at the user limit of 120." in html
    assert "Download Excel" in html and "Download CSV" in html

    more = browser.get(f"/tasks/{task.task_id}/results/?after={people[49].pk}")
    assert re.findall(r'data-result-id="(\d+)"', text(more)) == [str(p.pk) for p in people[50:100]]
    assert more["X-Cursor"] == str(people[99].pk) and more["X-Has-More"] == "1"
    last = browser.get(f"/tasks/{task.task_id}/results/?after={people[99].pk}")
    assert len(re.findall(r"data-result-id", text(last))) == 20
    assert last["X-Has-More"] == "0" and last["X-Cursor"] == str(people[119].pk)
    # Without the script, "Show more" is a link to the same page after the cursor.
    page_two = text(browser.get(f"/tasks/{task.task_id}/?after={people[49].pk}"))
    assert re.findall(r'data-result-id="(\d+)"', page_two)[0] == str(people[50].pk)


@pytest.mark.parametrize("after", ["abc", "-1", "²", "1" * 40, "1.5"])
def test_it_answers_a_bad_cursor_with_400(browser: Client, user: Any, after: str) -> None:
    task = make_task(user)
    assert browser.get(f"/tasks/{task.task_id}/results/", {"after": after}).status_code == 400
    assert browser.get(f"/tasks/{task.task_id}/", {"after": after}).status_code == 200


def test_it_shows_communities_found_by_a_search_task(browser: Client, user: Any) -> None:
    task = make_task(user, task_type="search", link="sandbox", status="completed")
    ParseResult.objects.create(
        task=task,
        platform="telegram",
        platform_id="77",
        content_type="community",
        username="sandbox_channel",
        display_name="Sandbox Channel",
        metadata={
            "type": "channel",
            "link": "https://t.me/sandbox_channel",
            "participants_count": 2500,
        },
    )
    html = text(browser.get(f"/tasks/{task.task_id}/"))
    assert "Sandbox Channel" in html and "2,500" in html
    assert 'href="https://t.me/sandbox_channel"' in html


def test_it_downloads_excel_and_csv_of_the_users_task(browser: Client, user: Any) -> None:
    task = make_task(user, status="completed", result_count=3)
    add_results(task, 3)
    xlsx = browser.get(f"/tasks/{task.task_id}/download.xlsx")
    assert xlsx.status_code == 200
    assert "attachment" in xlsx["Content-Disposition"] and ".xlsx" in xlsx["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("platform_id", "username", "display_name")
    assert [row[1] for row in values[1:]] == ["person0", "person1", "person2"]
    response = browser.get(f"/tasks/{task.task_id}/download.csv")
    assert response.streaming
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row["username"] for row in csv.DictReader(io.StringIO(content))] == [
        "person0",
        "person1",
        "person2",
    ]


# --- cancel, retry -------------------------------------------------------------------------


def test_it_cancels_and_retries_with_csrf_protected_posts(
    user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    task = make_task(user, status="running")
    assert browser.get(f"/tasks/{task.task_id}/cancel/").status_code == 405
    assert browser.post(f"/tasks/{task.task_id}/cancel/").status_code == 403
    page = text(browser.get("/"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    back = f"/tasks/{task.task_id}/"
    response = browser.post(
        f"/tasks/{task.task_id}/cancel/", {"csrfmiddlewaretoken": token, "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    task.refresh_from_db()
    assert task.status == "cancelled"
    again = browser.post(f"/tasks/{task.task_id}/cancel/", {"csrfmiddlewaretoken": token})
    assert again["Location"] == "/" and "nothing to cancel" in text(browser.get("/"))
    with django_capture_on_commit_callbacks(execute=False):
        browser.post(
            f"/tasks/{task.task_id}/retry/",
            {"csrfmiddlewaretoken": token, "next": "https://evil.example/"},
        )
    task.refresh_from_db()
    assert task.status == "pending"


def test_it_hides_other_users_tasks_behind_404(
    browser: Client, other_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    theirs = make_task(other_user, status="running")
    add_results(theirs, 2)
    base = f"/tasks/{theirs.task_id}/"
    for path in ("", "row/", "summary/", "results/", "download.xlsx", "download.csv"):
        response = browser.get(base + path)
        assert response.status_code == 404, path
        assert b"person0" not in response.content
    for path in ("cancel/", "retry/"):
        assert browser.post(base + path).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "running"


# --- search -------------------------------------------------------------------------------

FOUND = [
    Community("1", "Sandbox group 1k", "sandbox_group_1k", "https://t.me/sandbox_group_1k",
              "supergroup", 1000, verified=True),
    Community("2", "No public link", "", "", "group", None),
    Community("3", "<b>Bad</b>", "bad", "javascript:alert(1)", "channel", 5, scam=True),
]  # fmt: skip


def test_it_searches_communities_and_collects_one(
    browser: Client, user: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_search(**kwargs: Any) -> list[Community]:
        calls.append(kwargs)
        return FOUND

    monkeypatch.setattr(dashboard, "search_communities", fake_search)
    assert "Keyword" in text(browser.get("/search/")) and not calls
    html = text(browser.get("/search/", {"q": " sandbox ", "platform": "telegram"}))
    assert calls == [{"platform": "telegram", "query": "sandbox", "limit": 50}]
    assert "3 communities found" in html
    assert "Sandbox group 1k" in html and "1,000" in html and "Supergroup" in html
    assert html.count("Collect</button>") == 2  # the one without any link cannot be collected
    assert "javascript:" not in html.split('name="link" value="javascript:')[0]
    assert "&lt;b&gt;Bad&lt;/b&gt;" in html and 'href="javascript' not in html

    with django_capture_on_commit_callbacks(execute=False):
        response = browser.post(
            "/search/collect/",
            {"platform": "telegram", "link": "https://t.me/sandbox_group_1k"},
        )
    assert response.status_code == 302 and response["Location"] == "/"
    task = ParseTask.objects.get(owner=user)
    assert (task.task_type, task.target) == ("parse", "@sandbox_group_1k")
    assert rows(text(browser.get("/"))) == [task.task_id]


def test_it_shows_search_problems_beside_the_box(browser: Client, monkeypatch: Any) -> None:
    def refuse(**kwargs: Any) -> list[Community]:
        if len(kwargs["query"]) < 3:
            raise InvalidQuery("Search needs at least 3 characters.")
        raise NoAccountAvailable("No account is free to search right now.")

    monkeypatch.setattr(dashboard, "search_communities", refuse)
    short = text(browser.get("/search/", {"q": "ab", "platform": "telegram"}))
    assert re.search(r'id="id_q_error"><li>Search needs at least 3', short)
    busy = text(browser.get("/search/", {"q": "sandbox", "platform": "telegram"}))
    assert "No account is free to search right now." in busy
    empty = text(browser.get("/search/", {"q": "", "platform": "telegram"}))
    assert 'id="id_q_error"' in empty
    unavailable = text(browser.get("/search/", {"q": "sandbox", "platform": "instagram"}))
    assert 'id="id_platform_error"' in unavailable


def test_it_reports_a_collect_that_cannot_be_made(
    browser: Client, django_capture_on_commit_callbacks: Any
) -> None:
    for data in (
        {"platform": "telegram", "link": "javascript:alert(1)"},
        {"platform": "instagram", "link": "@someone"},
        {"platform": "myspace", "link": "@someone"},
        {},
    ):
        response = browser.post("/search/collect/", {**data, "next": "/search/?q=sandbox"})
        assert response.status_code == 302, data
        assert response["Location"] in ("/search/?q=sandbox", "/search/")
    assert not ParseTask.objects.exists()


# --- nothing a person types makes a page fail -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/", {"page": "-1"}),
        ("get", "/", {"page": "9999"}),
        ("get", "/tasks/%00/", {}),
        ("get", "/tasks/" + "x" * 300 + "/", {}),
        ("get", "/search/", {"q": "x" * 500, "platform": "telegram"}),
        ("get", "/search/", {"q": "sandbox", "platform": "../../etc"}),
        ("post", "/tasks/new/", {"links": "\x00\u202e@a", "user_limit": "1e9"}),
        ("post", "/tasks/new/", {"links": "@a", "user_limit": "10", "platform": ["a", "b"]}),
        ("post", "/search/collect/", {"platform": "telegram", "link": "x" * 10_000}),
    ],
)
def test_it_never_fails_on_odd_input(
    browser: Client, method: str, path: str, data: dict[str, Any]
) -> None:
    response = getattr(browser, method)(path, data)
    assert response.status_code < 500
