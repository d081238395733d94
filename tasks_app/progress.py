"""Live progress: what the browser sees of a task, pushed through Channels."""

from __future__ import annotations

import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings

from tasks_app.models import ParseTask

log = logging.getLogger(__name__)

_last_sent: dict[int, float] = {}


def task_group(task_id: str) -> str:
    return f"task.{task_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def task_payload(task: ParseTask) -> dict[str, Any]:
    """The state of a task as pages and WebSockets show it (no personal data)."""
    limit = task.user_limit
    return {
        "task_id": task.task_id,
        "platform": task.platform,
        "link": task.link,
        "task_type": task.task_type,
        "priority": task.priority,
        "status": task.status,
        "progress": task.progress,
        "result_count": task.result_count,
        "user_limit": limit,
        "processed_messages": task.processed_messages,
        "processed_users": task.processed_users,
        "error_message": task.error_message,
        "waiting_reason": task.waiting_reason,
        "coverage": task.coverage,
        "created_at": task.created_at.isoformat() if task.created_at else None,
        "updated_at": task.updated_at.isoformat() if task.updated_at else None,
        "started_at": task.started_at.isoformat() if task.started_at else None,
        "completed_at": task.completed_at.isoformat() if task.completed_at else None,
    }


def publish(task: ParseTask, *, force: bool = False) -> bool:
    """Send the task's state to its group and its owner's group.

    Throttled per task so a fast task does not flood sockets; `force` (every
    status change, the final state) always goes out. A missing channel layer
    never breaks the job: progress is also in the database.
    """
    now = time.monotonic()
    if not force and now - _last_sent.get(task.pk, 0.0) < settings.PROGRESS_PUBLISH_INTERVAL:
        return False
    if len(_last_sent) > 10_000:
        _last_sent.clear()  # a long-lived web process must not grow without bound
    _last_sent[task.pk] = now
    if task.is_finished:
        _last_sent.pop(task.pk, None)
    layer = get_channel_layer()
    if layer is None:
        return False
    message = {"type": "task.update", "task": task_payload(task)}
    try:
        async_to_sync(_send_both)(layer, task, message)
    except Exception:
        log.exception("publishing progress of task %s failed", task.task_id)
        return False
    return True


async def _send_both(layer: Any, task: ParseTask, message: dict[str, Any]) -> None:
    await layer.group_send(task_group(task.task_id), message)
    await layer.group_send(user_group(task.owner_id), message)
