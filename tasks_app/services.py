"""What can be done to tasks: create, enqueue, cancel, retry, delete, sweep."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import django_rq
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from redis.exceptions import RedisError
from rq.job import Job

from platforms.errors import InvalidQuery
from platforms.registry import get_available_adapter_class
from tasks_app.models import ParseResult, ParseTask
from tasks_app.options import clean_settings
from tasks_app.progress import publish

log = logging.getLogger(__name__)
Status = ParseTask.Status

QUEUE_FOR_PRIORITY = {"high": "high", "normal": "default", "low": "low"}
JOB = "tasks_app.jobs.run_task"


def task_create(
    *,
    owner: AbstractBaseUser,
    platform: str,
    link: str,
    task_type: str = ParseTask.TaskType.PARSE,
    priority: str = ParseTask.Priority.NORMAL,
    settings: dict[str, Any] | None = None,
) -> ParseTask:
    """Validate and store a task, and queue it once the transaction commits.

    Raises PlatformError subclasses (unknown or unavailable platform, a link
    or query the platform cannot take) and ValidationError for settings.
    """
    adapter = get_available_adapter_class(platform, capability=task_type)
    link = (link or "").strip()
    if task_type == ParseTask.TaskType.SEARCH:
        if len(link) < adapter.min_query_length:
            raise InvalidQuery(f"Search needs at least {adapter.min_query_length} characters.")
        target = link
    else:
        target = adapter.normalize_target(link)
    task = ParseTask.objects.create(
        owner=owner,
        platform=platform,
        link=link,
        target=target,
        task_type=task_type,
        priority=priority,
        settings=clean_settings(settings),
    )
    transaction.on_commit(lambda: task_enqueue(task.pk))
    publish(task, force=True)
    return task


def task_enqueue(task_pk: int, *, delay: timedelta | None = None, reason: str = "") -> bool:
    """Put a pending (or re-queued) task on its priority's queue.

    The job claims the task with a conditional update, so enqueueing twice is
    harmless: the second delivery finds the task no longer claimable.
    """
    task = ParseTask.objects.filter(pk=task_pk).first()
    if task is None or task.status not in (Status.PENDING, Status.QUEUED):
        return False
    try:
        _put_on_queue(task, delay)
    except RedisError:
        # The task stays pending; the maintenance loop enqueues it again.
        log.exception("could not enqueue task %s", task.task_id)
        ParseTask.objects.filter(pk=task_pk, status=Status.PENDING).update(
            waiting_reason="The queue is unreachable; the task starts as soon as it is back."
        )
        return False
    ParseTask.objects.filter(pk=task_pk, status=Status.PENDING).update(
        status=Status.QUEUED, waiting_reason=reason, updated_at=timezone.now()
    )
    task.refresh_from_db()
    publish(task, force=True)
    return True


def task_requeue(task: ParseTask, *, delay: timedelta | None, reason: str) -> None:
    """Give a running task back to the queue (no account free right now)."""
    updated = ParseTask.objects.filter(pk=task.pk, status=Status.RUNNING).update(
        status=Status.QUEUED, waiting_reason=reason, updated_at=timezone.now()
    )
    if updated:
        task.refresh_from_db()
        publish(task, force=True)
        transaction.on_commit(lambda: _enqueue_queued(task.pk, delay))


def _enqueue_queued(task_pk: int, delay: timedelta | None) -> None:
    _put_on_queue(ParseTask.objects.get(pk=task_pk), delay)


def _put_on_queue(task: ParseTask, delay: timedelta | None) -> str:
    queue = django_rq.get_queue(QUEUE_FOR_PRIORITY[task.priority])
    description = f"task {task.task_id}"
    if delay and delay.total_seconds() > 0:
        job = queue.enqueue_in(delay, JOB, task.pk, description=description)
    else:
        job = queue.enqueue(JOB, task.pk, description=description)
    ParseTask.objects.filter(pk=task.pk).update(job_id=job.id)
    return job.id


def task_cancel(task: ParseTask) -> bool:
    """Cancel a task that has not finished; a running job stops at its next batch."""
    updated = ParseTask.objects.filter(pk=task.pk, status__in=ParseTask.ACTIVE_STATUSES).update(
        status=Status.CANCELLED,
        completed_at=timezone.now(),
        waiting_reason="",
        updated_at=timezone.now(),
    )
    task.refresh_from_db()
    if updated:
        publish(task, force=True)
    return bool(updated)


def task_retry(task: ParseTask) -> bool:
    """Run a failed or cancelled task again; it resumes from its checkpoint."""
    updated = ParseTask.objects.filter(
        pk=task.pk, status__in=[Status.FAILED, Status.CANCELLED]
    ).update(
        status=Status.PENDING,
        error_message="",
        completed_at=None,
        waiting_reason="",
        updated_at=timezone.now(),
    )
    task.refresh_from_db()
    if updated:
        transaction.on_commit(lambda: task_enqueue(task.pk))
        publish(task, force=True)
    return bool(updated)


def task_delete(task: ParseTask) -> None:
    """Delete a task and every result (personal data) it holds."""
    task_cancel(task)
    task.delete()


def results_purge_expired(*, now: Any = None) -> dict[str, int]:
    """Apply the retention settings to personal data.

    Phones are blanked PHONE_RETENTION_DAYS after a task finished; every result
    is deleted RESULTS_RETENTION_DAYS after (0 keeps them forever).
    """
    now = now or timezone.now()
    counts = {"phones_cleared": 0, "results_deleted": 0}
    if settings.PHONE_RETENTION_DAYS:
        cutoff = now - timedelta(days=settings.PHONE_RETENTION_DAYS)
        counts["phones_cleared"] = ParseResult.objects.filter(
            task__completed_at__lt=cutoff, phone__isnull=False
        ).update(phone=None)
    if settings.RESULTS_RETENTION_DAYS:
        cutoff = now - timedelta(days=settings.RESULTS_RETENTION_DAYS)
        old = ParseResult.objects.filter(task__completed_at__lt=cutoff)
        counts["results_deleted"], _ = old.delete()
        ParseTask.objects.filter(completed_at__lt=cutoff, result_count__gt=0).update(result_count=0)
    return counts


def tasks_recover(*, stale_after: timedelta | None = None) -> dict[str, int]:
    """Bring back tasks whose job died or was never enqueued.

    A worker killed mid-task leaves its task `running` with a heartbeat that
    stops moving; it goes back to the queue and resumes from its checkpoint
    (results are unique per task, so nothing is duplicated). A task created
    while Redis was down stays `pending` and is enqueued now.
    """
    now = timezone.now()
    # The heartbeat is renewed with the account lease (every third of it), so
    # one full lease without a beat means the worker is gone.
    stale_after = stale_after or timedelta(seconds=settings.ACCOUNT_LEASE_SECONDS)
    stale = list(
        ParseTask.objects.filter(
            status=Status.RUNNING, heartbeat_at__lt=now - stale_after
        ).values_list("pk", flat=True)
    )
    recovered = 0
    for pk in stale:
        if ParseTask.objects.filter(
            pk=pk, status=Status.RUNNING, heartbeat_at__lt=now - stale_after
        ).update(
            status=Status.QUEUED,
            waiting_reason="resuming after a worker stopped",
            updated_at=timezone.now(),
        ):
            _enqueue_queued(pk, None)
            recovered += 1
    pending = ParseTask.objects.filter(
        status=Status.PENDING, created_at__lt=now - timedelta(seconds=30)
    ).values_list("pk", flat=True)
    enqueued = sum(task_enqueue(pk) for pk in pending)
    # A queued task whose job is gone from Redis (a flushed or rebuilt Redis)
    # would wait forever: give it a new job.
    lost = 0
    connection = django_rq.get_connection("default")
    waiting = ParseTask.objects.filter(
        status=Status.QUEUED, updated_at__lt=now - timedelta(minutes=5)
    ).values_list("pk", "job_id")
    for pk, job_id in waiting:
        if not job_id or not Job.exists(job_id, connection=connection):
            _enqueue_queued(pk, None)
            lost += 1
    return {"recovered": recovered, "enqueued": enqueued, "lost_jobs": lost}
