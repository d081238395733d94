"""Live task updates over WebSockets.

`ws/tasks/` follows every task of the user (new ones included); `ws/tasks/<id>/`
follows one task. A consumer only ever joins groups of tasks its user owns:
another user's task id is refused, as it would be over HTTP.

Messages to the client: `{"type": "task", "task": {...}}` (progress.task_payload)
and `{"type": "pong"}`. From the client: `{"type": "ping"}` and
`{"type": "sync", "task_ids": [...]}`, which answers with the current state of
those tasks (the user's own only) so a page that reconnects catches up on every
row it shows. On connect the consumer sends a snapshot at once: the task, or
the user's unfinished and most recent tasks.

A refused connection is accepted and then closed with an application code
(4401 not logged in, 4404 no such task), because a browser cannot read the
reason of a refused handshake and would keep reconnecting.
"""

from __future__ import annotations

import json
import re
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tasks_app.models import ParseTask
from tasks_app.progress import task_group, task_payload, user_group

# Close codes (4000-4999 are the application's own).
UNAUTHENTICATED = 4401
NOT_FOUND = 4404

TASK_ID_PATTERN = r"[A-Za-z0-9_-]{1,32}"
_TASK_ID = re.compile(TASK_ID_PATTERN)

RECENT_ON_CONNECT = 25
MAX_ACTIVE_ON_CONNECT = 100
MAX_SYNC_IDS = 100


class TasksConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    user_pk: int | None = None
    task_id: str | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.user_pk = user.pk
        self.task_id = self.scope["url_route"]["kwargs"].get("task_id")
        if self.task_id is not None and not (
            _TASK_ID.fullmatch(self.task_id) and await self._owns(self.task_id)
        ):
            await self.close(code=NOT_FOUND)
            return
        group = task_group(self.task_id) if self.task_id else user_group(user.pk)
        # Join before reading the snapshot: an update published in between is
        # then delivered after it, never lost.
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)
        if self.task_id:
            snapshot = await self._tasks([self.task_id])
        else:
            snapshot = await self._catch_up()
        for payload in snapshot:
            await self.send_json({"type": "task", "task": payload})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is not None:  # binary frames mean nothing here
            await self.receive_json(await self.decode_json(text_data))

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.groups_joined or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "sync":
            ids = content.get("task_ids")
            if not isinstance(ids, list):
                return
            wanted = [i for i in ids[:MAX_SYNC_IDS] if isinstance(i, str) and _TASK_ID.fullmatch(i)]
            if self.task_id:
                wanted = [i for i in wanted if i == self.task_id]
            for payload in await self._tasks(wanted):
                await self.send_json({"type": "task", "task": payload})

    async def task_update(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "task", "task": event["task"]})

    # --- database ------------------------------------------------------------------------

    @database_sync_to_async
    def _owns(self, task_id: str) -> bool:
        return ParseTask.objects.filter(owner_id=self.user_pk, task_id=task_id).exists()

    @database_sync_to_async
    def _tasks(self, task_ids: list[str]) -> list[dict[str, Any]]:
        if not task_ids:
            return []
        tasks = ParseTask.objects.filter(owner_id=self.user_pk, task_id__in=task_ids)
        return [task_payload(task) for task in tasks.order_by("created_at", "id")]

    @database_sync_to_async
    def _catch_up(self) -> list[dict[str, Any]]:
        """The unfinished tasks and the most recent ones, oldest first."""
        mine = ParseTask.objects.filter(owner_id=self.user_pk)
        recent = list(mine.order_by("-created_at", "-id")[:RECENT_ON_CONNECT])
        active = mine.filter(status__in=ParseTask.ACTIVE_STATUSES).exclude(
            pk__in=[task.pk for task in recent]
        )
        tasks = recent + list(active.order_by("-created_at", "-id")[:MAX_ACTIVE_ON_CONNECT])
        tasks.sort(key=lambda task: (task.created_at, task.pk))
        return [task_payload(task) for task in tasks]
