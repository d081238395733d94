"""The dashboard in a real browser, end to end.

Chromium drives a real daphne; a real RQ worker collects from the Telegram
sandbox. Alice logs in, creates a task and watches its progress bar reach
100% without a reload; the server goes away and comes back, and the page
catches up on a task that ran meanwhile; a task created through the API
appears on its own; she reads the results page by page, downloads the Excel
file, searches communities and collects one. Bob, logged in next to her, sees
none of it, neither on the pages nor on the WebSocket.

Screenshots of every page go to test-output/browser/.
"""

from __future__ import annotations

import io
import json
import threading
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

T = TypeVar("T")
TIMEOUT = 30_000  # ms, for anything a worker does

# Collects every value the task's progress bar shows, so the test can prove it
# moved on this page (a reload would also wipe `window.seen`).
WATCH = """id => {
  window.seen = [];
  const look = () => {
    const bar = document.querySelector(`tr[data-task-id="${id}"] progress`);
    if (bar && window.seen[window.seen.length - 1] !== bar.value) window.seen.push(bar.value);
  };
  window.look = look;
  look();
  setInterval(look, 20);
}"""

# Opens a WebSocket the way a page would and reports what happened within `ms`.
PROBE = """async ([path, ms]) => new Promise(resolve => {
  const messages = [];
  const socket = new WebSocket(`ws://${location.host}${path}`);
  socket.onmessage = event => messages.push(JSON.parse(event.data));
  socket.onclose = event => resolve({closed: event.code, messages});
  setTimeout(() => { socket.close(); resolve({closed: null, messages}); }, ms);
})"""


def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run database or channel-layer code outside Playwright's event loop thread."""
    from django.db import connection

    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["value"] = function(*args, **kwargs)
        except BaseException as error:  # re-raised in the test thread
            result["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result["value"]


def task_state(task_id: str) -> tuple[str, int, int]:
    from tasks_app.models import ParseTask

    task = ParseTask.objects.get(task_id=task_id)
    return task.status, task.progress, task.result_count


def create_task_directly(owner_name: str, link: str, user_limit: int) -> str:
    from django.contrib.auth import get_user_model

    from tasks_app.services import task_create

    owner = get_user_model().objects.get(username=owner_name)
    task = task_create(
        owner=owner, platform="telegram", link=link, settings={"user_limit": user_limit}
    )
    return task.task_id


def api(base: str, path: str, body: dict[str, Any], token: str = "") -> dict[str, Any]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"}
        | ({"Authorization": f"Bearer {token}"} if token else {}),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_until(check: Callable[[], bool], timeout: float = 30) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_it_runs_the_dashboard_end_to_end_in_a_real_browser(
    user: Any,
    other_user: Any,
    sandbox_accounts: Callable[[int], list[Any]],
    live_server_process: Any,
    start_worker: Callable[..., Any],
    output_dir: Path,
    chromium: Any,  # last: the database is not used from Playwright's thread
) -> None:
    off_loop(sandbox_accounts, 2)
    server = live_server_process
    errors: list[str] = []

    def new_page(context: Any) -> Any:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    def shot(page: Any, name: str) -> None:
        page.screenshot(path=str(output_dir / f"{name}.png"), full_page=True)

    def log_in(page: Any, username: str, password: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{server.url}/")

    def row(page: Any, task_id: str) -> Any:
        return page.locator(f'tr[data-task-id="{task_id}"]')

    def progress(page: Any, task_id: str) -> Any:
        return row(page, task_id).locator("progress")

    alice = chromium.new_context(base_url=server.url, accept_downloads=True)
    page = new_page(alice)

    # --- log in, create a task with the form --------------------------------------------------
    page.goto("/")
    page.wait_for_url("**/login/?next=/")
    shot(page, "01-login")
    log_in(page, "alice", "alice-password-1")
    expect(page.get_by_text("Signed in as alice")).to_be_visible()

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="New task").click()
    # A large task (5,000 of 100,000 members): long enough to watch, and the
    # results and downloads below must stay fast for it.
    assert page.locator('#id_platform option[value="instagram"]').is_disabled()
    page.get_by_label("Links").fill("@sandbox_group_100k")
    page.get_by_label("User limit").fill("0")
    page.get_by_role("button", name="Create tasks").click()
    assert page.locator("#id_user_limit_error").inner_text().startswith("Ensure this value")
    assert page.get_by_label("User limit").get_attribute("aria-invalid") == "true"
    shot(page, "02-new-task-errors")
    page.get_by_label("User limit").fill("5000")
    shot(page, "03-new-task")
    page.get_by_role("button", name="Create tasks").click()
    page.wait_for_url(f"{server.url}/")
    first = page.locator("tr[data-task-id]").first.get_attribute("data-task-id")
    assert first
    expect(row(page, first).get_by_text("@sandbox_group_100k")).to_be_visible()
    assert progress(page, first).get_attribute("value") == "0"

    # --- the worker starts now: the bar moves to 100% on this very page -----------------------
    page.evaluate(WATCH, first)
    start_worker()
    page.wait_for_function(
        """id => {
          const row = document.querySelector(`tr[data-task-id="${id}"]`);
          return row && row.querySelector("progress").value === 100
            && row.querySelector('[data-field="status"]').textContent === "Completed";
        }""",
        arg=first,
        timeout=TIMEOUT,
    )
    seen = page.evaluate("window.look(), window.seen")
    assert seen[0] == 0 and seen[-1] == 100, seen
    assert any(0 < value < 100 for value in seen), f"no progress between 0 and 100: {seen}"
    expect(row(page, first).get_by_text("5,000 / 5,000 people")).to_be_visible()
    expect(row(page, first).get_by_role("link", name="Download Excel")).to_be_visible()
    expect(row(page, first).get_by_role("button", name="Cancel")).to_have_count(0)
    shot(page, "04-tasks-completed")

    # --- the server goes away; a task runs meanwhile; the page catches up ---------------------
    server.stop()
    page.wait_for_selector('[data-live-status][data-state="reconnecting"]')
    second = off_loop(create_task_directly, "alice", "https://t.me/sandbox_group_1k", 40)
    wait_until(lambda: off_loop(task_state, second)[0] == "completed")
    server.start()
    page.wait_for_selector(f'tr[data-task-id="{second}"] progress[value="100"]')
    page.wait_for_selector('[data-live-status][data-state="live"]')
    assert page.locator("tr[data-task-id]").first.get_attribute("data-task-id") == second
    expect(row(page, second).get_by_text("40 / 40 people")).to_be_visible()

    # --- a task created through the API appears by itself -------------------------------------
    token = api(
        server.url, "/api/v1/auth/token/", {"username": "alice", "password": "alice-password-1"}
    )
    third = api(
        server.url,
        "/api/v1/tasks/",
        {"platform": "telegram", "link": "@sandbox_hidden", "settings": {"user_limit": 30}},
        token["access"],
    )["task_id"]
    row(page, third).wait_for()
    page.wait_for_selector(f'tr[data-task-id="{third}"] progress[value="100"]')
    assert page.evaluate("Array.isArray(window.seen)"), "the list page was reloaded"
    shot(page, "05-tasks-live")

    # --- results: one page, then "Show more" -------------------------------------------------
    row(page, first).get_by_role("link", name="View results").click()
    page.wait_for_url(f"**/tasks/{first}/")
    results = page.locator("tr[data-result-id]")
    expect(results).to_have_count(50)
    expect(page.locator(".task-summary").get_by_text("Collected 5,000")).to_be_visible()
    assert (
        page.get_by_role("link", name="@", exact=False)
        .first.get_attribute("href")
        .startswith("https://t.me/")
    )
    shot(page, "06-results")
    page.evaluate("window.sameDocument = true")
    page.get_by_role("link", name="Show more").click()
    page.wait_for_function("document.querySelectorAll('tr[data-result-id]').length === 100")
    assert page.evaluate("window.sameDocument") is True
    expect(page.get_by_text("Showing 100 of 5,000.")).to_be_visible()
    ids = [int(i) for i in results.evaluate_all("rows => rows.map(r => r.dataset.resultId)")]
    assert ids == sorted(ids) and len(set(ids)) == 100
    shot(page, "07-results-more")

    # --- Download Excel ----------------------------------------------------------------------
    with page.expect_download() as download_info:
        page.locator(".task-summary").get_by_role("link", name="Download Excel").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = output_dir / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(io.BytesIO(path.read_bytes()), read_only=True).active
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][:3] == ("platform_id", "username", "display_name")
    assert len(table) == 1 + 5000
    assert len({line[0] for line in table[1:]}) == 5000

    # --- search communities and collect one ------------------------------------------------------
    nav.get_by_role("link", name="Search communities").click()
    page.get_by_label("Keyword").fill("sandbox")
    page.get_by_role("button", name="Search").click()
    found = page.locator("table.communities tbody tr")
    found.first.wait_for()
    titles = found.locator("td:first-child").all_inner_texts()
    assert any("Sandbox Group 1K" in title for title in titles), titles
    shot(page, "08-search")
    channel = found.filter(has_text="Sandbox Channel").filter(has_not_text="Chat").first
    channel.get_by_role("button", name="Collect").click()
    page.wait_for_url(f"{server.url}/")
    expect(page.get_by_text("Collecting https://t.me/sandbox_channel")).to_be_visible()
    collected = page.locator("tr[data-task-id]").first
    expect(collected.get_by_text("https://t.me/sandbox_channel")).to_be_visible()
    collected_id = collected.get_attribute("data-task-id")
    page.wait_for_selector(f'tr[data-task-id="{collected_id}"] progress[value="100"]')
    shot(page, "09-collected")

    # --- Bob sees none of it --------------------------------------------------------------------
    bob = chromium.new_context(base_url=server.url)
    other = new_page(bob)
    log_in(other, "bob", "bob-password-1")
    expect(other.locator("tr[data-task-id]")).to_have_count(0)
    expect(other.get_by_text("No tasks yet")).to_be_visible()
    shot(other, "10-second-user")
    response = other.goto(f"/tasks/{first}/")
    assert response.status == 404
    assert "sandbox_group_100k" not in other.content()
    shot(other, "11-second-user-404")
    assert other.request.get(f"/tasks/{first}/download.xlsx").status == 404
    assert other.request.get(f"/api/v1/tasks/{first}/results/").status == 404
    other.goto("/")
    refused = other.evaluate(PROBE, [f"/ws/tasks/{first}/", 3000])
    assert refused == {"closed": 4404, "messages": []}
    # Bob's own stream stays silent while one of Alice's tasks is created and runs ...
    alice_again = threading.Timer(
        0.5, off_loop, args=(create_task_directly, "alice", "@sandbox_group_1k", 10)
    )
    alice_again.start()
    heard = other.evaluate(PROBE, ["/ws/tasks/", 2500])
    alice_again.join()
    assert heard == {"closed": None, "messages": []}
    # ... which Alice's page does show.
    page.wait_for_function("document.querySelectorAll('tr[data-task-id]').length === 5")

    assert errors == [], errors
