"""Live progress over WebSockets: who may listen to what, and what arrives.

The consumer runs behind the real ASGI stack (origin check, session cookie,
JWT) and the real channel layer (channels-redis on the test Redis); updates
are published by the same `publish()` the workers call.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from tasks_app import services
from tasks_app.consumers import NOT_FOUND, UNAUTHENTICATED
from tasks_app.models import ParseTask
from tasks_app.progress import publish
from tests.conftest import jwt_client

# The consumer reads the database from its own thread handler (and closes
# connections as it does in production), so tests need committed data.
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def run(test: Callable[[], Awaitable[None]]) -> None:
    """Run an async test body; DB calls inside share the test's transaction.

    Applications a test leaves running (a refused socket nobody disconnected)
    are cancelled and awaited before the loop ends, while this thread can still
    run their database calls: left behind, they deadlock async_to_sync's shutdown.
    """

    async def body_then_cleanup() -> None:
        try:
            await test()
        finally:
            current = asyncio.current_task()
            leftovers = [task for task in asyncio.all_tasks() if task is not current]
            for task in leftovers:
                task.cancel()
            if leftovers:
                await asyncio.wait(leftovers, timeout=2)

    async_to_sync(body_then_cleanup)()


def asgi() -> Any:
    from parser_project.asgi import application

    return application


def cookie_for(user: Any) -> tuple[bytes, bytes]:
    """The session cookie of a browser logged in as `user` (a client of its own)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def access_token(username: str, password: str) -> str:
    return jwt_client(username, password)._credentials["HTTP_AUTHORIZATION"].split()[1]


def make_task(owner: Any, **fields: Any) -> ParseTask:
    defaults = {"platform": "telegram", "link": "@sandbox_group_1k", "target": "@sandbox_group_1k"}
    return ParseTask.objects.create(owner=owner, **{**defaults, **fields})


async def connect(path: str, *headers: tuple[bytes, bytes], app: Any = None) -> Any:
    communicator = WebsocketCommunicator(app or asgi(), path, headers=list(headers))
    connected, _ = await communicator.connect()
    assert connected, f"handshake refused for {path}"
    return communicator


async def task_messages(communicator: Any, count: int) -> list[dict[str, Any]]:
    messages = []
    for _ in range(count):
        message = await communicator.receive_json_from(timeout=3)
        assert message["type"] == "task", message
        messages.append(message["task"])
    return messages


async def closed_with(communicator: Any) -> int:
    output = await communicator.receive_output(timeout=3)
    assert output["type"] == "websocket.close", output
    await communicator.disconnect()  # let the refused application end here
    return output["code"]


def test_it_streams_published_progress_of_an_own_task(user: Any) -> None:
    task = make_task(user, status="running", progress=10)

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect(f"/ws/tasks/{task.task_id}/", ORIGIN, alice)
        [snapshot] = await task_messages(ws, 1)
        assert snapshot["task_id"] == task.task_id and snapshot["progress"] == 10
        task.progress, task.result_count = 57, 570
        await sync_to_async(publish)(task, force=True)
        [update] = await task_messages(ws, 1)
        assert (update["progress"], update["result_count"], update["status"]) == (
            57,
            570,
            "running",
        )
        await ws.disconnect()

    run(body)


def test_it_throttles_updates_but_always_sends_the_final_state(user: Any, settings: Any) -> None:
    settings.PROGRESS_PUBLISH_INTERVAL = 30
    task = make_task(user, status="running")

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect(f"/ws/tasks/{task.task_id}/", ORIGIN, alice)
        await task_messages(ws, 1)
        sent = []
        for percent in (10, 20, 30, 40):
            task.progress = percent
            sent.append(await sync_to_async(publish)(task, force=percent == 10))
        assert sent == [True, False, False, False]
        task.status, task.progress = ParseTask.Status.COMPLETED, 100
        await sync_to_async(publish)(task, force=True)
        received = await task_messages(ws, 2)
        assert [(t["status"], t["progress"]) for t in received] == [
            ("running", 10),
            ("completed", 100),
        ]
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_it_shows_new_tasks_of_the_user_on_the_list_socket_and_nobody_elses(
    user: Any, other_user: Any, monkeypatch: Any
) -> None:
    existing = make_task(user, status="running", progress=30)
    # Created as the API creates them, but not queued: no worker runs here.
    monkeypatch.setattr(services, "task_enqueue", lambda pk: None)

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect("/ws/tasks/", ORIGIN, alice)
        [snapshot] = await task_messages(ws, 1)
        assert snapshot["task_id"] == existing.task_id

        def create(owner: Any) -> ParseTask:
            return services.task_create(
                owner=owner, platform="telegram", link="https://t.me/sandbox_channel"
            )

        await sync_to_async(create)(other_user)
        mine = await sync_to_async(create)(user)
        [created] = await task_messages(ws, 1)
        assert created["task_id"] == mine.task_id and created["status"] == "pending"
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_it_catches_up_on_connect_with_unfinished_and_recent_tasks(
    user: Any, other_user: Any
) -> None:
    old_running = make_task(user, status="running", link="@old")
    ParseTask.objects.filter(pk=old_running.pk).update(created_at="2020-01-01T00:00:00Z")
    recent = [make_task(user, status="completed", progress=100) for _ in range(30)]
    make_task(other_user, status="running")

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect("/ws/tasks/", ORIGIN, alice)
        snapshot = await task_messages(ws, 26)
        ids = [t["task_id"] for t in snapshot]
        # Oldest first, so a page adding unknown rows on top ends newest first.
        assert ids[0] == old_running.task_id
        assert ids[1:] == [t.task_id for t in recent[-25:]]
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_it_answers_a_sync_with_the_users_own_tasks_only(user: Any, other_user: Any) -> None:
    mine = make_task(user, status="failed", error_message="gone")
    theirs = make_task(other_user, status="running")

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect("/ws/tasks/", ORIGIN, alice)
        await task_messages(ws, 1)
        await ws.send_json_to({"type": "sync", "task_ids": [mine.task_id, theirs.task_id, 5]})
        [answer] = await task_messages(ws, 1)
        assert answer["task_id"] == mine.task_id and answer["error_message"] == "gone"
        assert await ws.receive_nothing(timeout=0.3)
        # Junk does not break the socket; a ping still gets its pong.
        await ws.send_to(text_data="{not json")
        await ws.send_to(bytes_data=b"\x00")
        await ws.send_json_to({"type": "sync", "task_ids": "everything"})
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from(timeout=3) == {"type": "pong"}
        await ws.disconnect()

    run(body)


def test_it_refuses_another_users_task_id(user: Any, other_user: Any) -> None:
    theirs = make_task(other_user, status="running")

    alice = cookie_for(user)

    async def body() -> None:
        for path in (f"/ws/tasks/{theirs.task_id}/", "/ws/tasks/no-such-task/", "/ws/tasks/\x00/"):
            ws = await connect(path, ORIGIN, alice)
            assert await closed_with(ws) == NOT_FOUND
        # Nor does the owner's socket get the other user's updates.
        ws = await connect("/ws/tasks/", ORIGIN, alice)
        await sync_to_async(publish)(theirs, force=True)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run(body)


def test_it_refuses_unauthenticated_sockets(user: Any) -> None:
    task = make_task(user)

    async def body() -> None:
        for path in ("/ws/tasks/", f"/ws/tasks/{task.task_id}/", "/ws/tasks/?token=forged"):
            ws = await connect(path, ORIGIN)
            assert await closed_with(ws) == UNAUTHENTICATED

    run(body)


def test_it_refuses_a_session_socket_opened_from_another_site(user: Any) -> None:
    alice = cookie_for(user)

    async def body() -> None:
        evil = (b"origin", b"https://evil.example")
        ws = WebsocketCommunicator(asgi(), "/ws/tasks/", [evil, alice])
        connected, _ = await ws.connect()
        assert not connected
        # Let the refused application finish before the event loop goes away,
        # or its leftover task can deadlock async_to_sync's shutdown.
        await ws.disconnect()
        # Without any Origin a cookie is not enough either.
        ws = WebsocketCommunicator(asgi(), "/ws/tasks/", [alice])
        connected, _ = await ws.connect()
        assert not connected
        await ws.disconnect()

    run(body)


def test_it_accepts_a_jwt_in_the_query_string(user: Any) -> None:
    task = make_task(user, status="queued", waiting_reason="waiting for a free account")
    token = access_token("alice", "alice-password-1")

    async def body() -> None:
        ws = await connect(f"/ws/tasks/{task.task_id}/?token={token}", ORIGIN)
        [snapshot] = await task_messages(ws, 1)
        assert snapshot["waiting_reason"] == "waiting for a free account"
        await ws.disconnect()

    run(body)


def test_it_authenticates_a_token_client_by_its_token_alone(user: Any, other_user: Any) -> None:
    from tasks_app.routing import websocket_application

    app = websocket_application()
    task = make_task(user, status="running")
    token = access_token("alice", "alice-password-1")

    bob = cookie_for(other_user)

    async def body() -> None:
        # An API client (no browser, no Origin) with a bearer header or ?token=.
        for path, headers in (
            ("/ws/tasks/", [(b"authorization", f"Bearer {token}".encode())]),
            (f"/ws/tasks/{task.task_id}/?token={token}", []),
        ):
            ws = await connect(path, *headers, app=app)
            [snapshot] = await task_messages(ws, 1)
            assert snapshot["task_id"] == task.task_id
            await ws.disconnect()
        # A bad token is not rescued by a session cookie that came along.
        ws = await connect("/ws/tasks/?token=forged", ORIGIN, bob, app=app)
        assert await closed_with(ws) == UNAUTHENTICATED
        # And a cookie alone still needs our own origin.
        ws = WebsocketCommunicator(app, "/ws/tasks/", [bob])
        assert (await ws.connect())[0] is False
        await ws.disconnect()

    run(body)


def test_it_sends_json_the_page_script_understands(user: Any) -> None:
    task = make_task(user, status="running", progress=5, result_count=50)

    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect(f"/ws/tasks/{task.task_id}/", ORIGIN, alice)
        raw = await ws.receive_from(timeout=3)
        message = json.loads(raw)
        assert set(message) == {"type", "task"}
        for key in ("task_id", "status", "progress", "result_count", "user_limit", "created_at"):
            assert key in message["task"]
        await ws.disconnect()

    run(body)


def test_it_keeps_an_idle_socket_open(user: Any) -> None:
    task = make_task(user, status="running")
    alice = cookie_for(user)

    async def body() -> None:
        ws = await connect(f"/ws/tasks/{task.task_id}/", ORIGIN, alice)
        await task_messages(ws, 1)
        assert await ws.receive_nothing(timeout=6.5)
        await sync_to_async(publish)(task, force=True)
        assert len(await task_messages(ws, 1)) == 1
        await ws.disconnect()

    run(body)
