"""Live task updates over WebSockets.

`ws/tasks/` follows every task of the user (new ones included); `ws/tasks/<id>/`
follows one task. A consumer only ever joins groups of tasks its user owns:
another user's task id is refused, as it would be over HTTP.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tasks_app.models import ParseTask
from tasks_app.progress import task_group, task_payload, user_group

# Close codes (4000-4999 are the application's own).
UNAUTHENTICATED = 4401
NOT_FOUND = 4404


class TasksConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        task_id = self.scope["url_route"]["kwargs"].get("task_id")
        if task_id:
            snapshot = await self._own_task(user.pk, task_id)
            if snapshot is None:
                await self.close(code=NOT_FOUND)
                return
            group = task_group(task_id)
        else:
            snapshot = None
            group = user_group(user.pk)
        await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined.append(group)
        await self.accept()
        # Catch up: after a reconnect the page gets the current state at once.
        if snapshot is not None:
            await self.send_json({"type": "task", "task": snapshot})
        else:
            for task in await self._recent_tasks(user.pk):
                await self.send_json({"type": "task", "task": task})

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Clients only listen; a ping gets a pong so they can detect dead sockets.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def task_update(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "task", "task": event["task"]})

    @database_sync_to_async
    def _own_task(self, user_pk: int, task_id: str) -> dict[str, Any] | None:
        task = ParseTask.objects.filter(owner_id=user_pk, task_id=task_id).first()
        return task_payload(task) if task else None

    @database_sync_to_async
    def _recent_tasks(self, user_pk: int) -> list[dict[str, Any]]:
        tasks = ParseTask.objects.filter(owner_id=user_pk).order_by("-created_at")[:50]
        return [task_payload(task) for task in tasks]
