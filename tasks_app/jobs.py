"""The RQ job that runs one task.

The job takes the task's primary key, reloads the row and claims it with a
conditional UPDATE (pending/queued -> running), so a duplicate delivery of the
same job finds nothing to claim and does nothing. It then borrows an account
from the pool and drives the platform adapter: the adapter is async, the job is
sync, so the job pulls one batch at a time from the adapter's event loop and
writes it to the database between pulls, in one transaction with the
checkpoint. A crash therefore loses nothing that was saved, and the next run
resumes exactly after the last saved batch.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from rq import get_current_job

from platforms.base import Batch, Person, PlatformAdapter
from platforms.errors import AccountProblem, PlatformError
from platforms.pool import (
    Lease,
    LeaseKeeper,
    holder_name,
    lease_account,
    pool_outlook,
    release_lease,
    report_problem,
)
from platforms.registry import get_adapter
from tasks_app.models import ParseResult, ParseTask
from tasks_app.options import parse_options
from tasks_app.progress import publish
from tasks_app.services import task_requeue

log = logging.getLogger(__name__)
Status = ParseTask.Status

# How many accounts one job tries before giving the task back to the queue.
MAX_ACCOUNT_SWITCHES = 10
# Every account in use by other workers: wait this long in the job (one is
# usually released within seconds), then give the worker back and retry later.
BUSY_WAIT_SECONDS = 10.0
BUSY_RETRY_SECONDS = 5.0
UNEXPECTED = "An unexpected error stopped the task. It has been logged for the developers."


class LeaseLost(Exception):
    pass


class Cancelled(Exception):
    pass


def run_task(task_pk: int) -> str:
    now = timezone.now()
    claimed = ParseTask.objects.filter(
        pk=task_pk, status__in=[Status.PENDING, Status.QUEUED]
    ).update(
        status=Status.RUNNING,
        started_at=Coalesce(F("started_at"), now),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
        waiting_reason="",
        updated_at=now,
    )
    if not claimed:
        return "not claimed"  # already running, finished or cancelled
    task = ParseTask.objects.get(pk=task_pk)
    publish(task, force=True)
    job = get_current_job()
    return TaskRunner(task, holder_name(job.id if job else "")).run()


class TaskRunner:
    def __init__(self, task: ParseTask, holder: str) -> None:
        self.task = task
        self.holder = holder

    # --- the account loop -------------------------------------------------------

    def run(self) -> str:
        for _switch in range(MAX_ACCOUNT_SWITCHES):
            lease = self.lease()
            if lease is None:
                return self.wait_for_account()
            outcome = ""
            try:
                outcome = self.run_with(lease)
                return outcome
            except AccountProblem as problem:
                outcome = str(problem)
                report_problem(lease, problem)
                continue  # the next account resumes from the saved checkpoint
            except LeaseLost:
                outcome = "lease lost"
                task_requeue(self.task, delay=None, reason="resuming on another account")
                return "requeued"
            except Cancelled:
                outcome = "cancelled"
                return "cancelled"
            except PlatformError as error:
                outcome = str(error)
                self.fail(str(error))
                return "failed"
            except Exception:
                outcome = "unexpected error"
                log.exception("task %s failed unexpectedly", self.task.task_id)
                self.fail(UNEXPECTED)
                return "failed"
            finally:
                release_lease(lease, outcome=outcome, requests=self.requests)
        task_requeue(self.task, delay=None, reason="switching accounts")
        return "requeued"

    def lease(self) -> Lease | None:
        """An account for this task; waits a little while all are merely in use."""
        deadline = time.monotonic() + BUSY_WAIT_SECONDS
        while True:
            lease = lease_account(
                platform=self.task.platform, holder=self.holder, task_pk=self.task.pk
            )
            if lease is not None or time.monotonic() > deadline:
                return lease
            if not pool_outlook(self.task.platform).busy:
                return None  # resting or dead: waiting here would not help
            time.sleep(0.5 + random.uniform(0, 0.5))

    def wait_for_account(self) -> str:
        outlook = pool_outlook(self.task.platform)
        if not outlook.usable:
            self.fail(
                f"No {self.task.platform.title()} account can be used: add one in the admin, "
                "or log in again the ones that need it."
            )
            return "failed"
        if outlook.busy:
            # Held by other workers: one is usually back within seconds. Give
            # the worker back (a high-priority task may be waiting) and retry soon.
            delay = timedelta(seconds=BUSY_RETRY_SECONDS + random.uniform(0, BUSY_RETRY_SECONDS))
            reason = f"waiting for a free account (all {outlook.usable} in use)"
        else:
            when = outlook.next_rest_end or timezone.now()
            delay = max(when - timezone.now(), timedelta(seconds=1))
            reason = f"waiting for a free account, next at {timezone.localtime(when):%H:%M}"
        task_requeue(self.task, delay=delay, reason=reason)
        return "waiting"

    # --- one account ------------------------------------------------------------------

    def run_with(self, lease: Lease) -> str:
        self.requests = 0
        adapter = get_adapter(self.task.platform)
        # The task's heartbeat beats with the lease: a task whose heartbeat is
        # older than a lease has lost its worker (tasks_recover takes it back).
        keeper = LeaseKeeper(
            lease,
            on_renew=lambda: ParseTask.objects.filter(
                pk=self.task.pk, status=Status.RUNNING
            ).update(heartbeat_at=timezone.now()),
        )
        keeper.start()
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(adapter.authenticate(lease.credentials()))
            if self.task.task_type == ParseTask.TaskType.SEARCH:
                return self.search(loop, adapter)
            return self.parse(loop, adapter, keeper)
        finally:
            self.requests = getattr(adapter, "request_count", 0)
            # Disconnect before the lease is released, so the session is never
            # live in two places (the next holder may connect right after).
            try:
                loop.run_until_complete(adapter.cleanup())
            finally:
                loop.close()
                keeper.stop()

    requests = 0

    def parse(
        self, loop: asyncio.AbstractEventLoop, adapter: PlatformAdapter, keeper: LeaseKeeper
    ) -> str:
        task = self.task
        known = frozenset(task.results.values_list("platform_id", flat=True))
        batches = adapter.parse_target(
            task.target,
            parse_options(task.settings),
            checkpoint=task.checkpoint or None,
            known_ids=known,
        )
        try:
            while True:
                try:
                    batch = loop.run_until_complete(anext(batches))
                except StopAsyncIteration:
                    break
                self.save(batch)
                if keeper.lost.is_set():
                    raise LeaseLost()
        finally:
            loop.run_until_complete(batches.aclose())
        self.complete()
        return "completed"

    def search(self, loop: asyncio.AbstractEventLoop, adapter: PlatformAdapter) -> str:
        found = loop.run_until_complete(adapter.search_communities(self.task.target))
        people = [community.as_person() for community in found]
        self.save(Batch(records=people, checkpoint={}, fraction=1.0))
        self.complete()
        return "completed"

    # --- the database side ---------------------------------------------------------------

    def save(self, batch: Batch) -> None:
        task = self.task
        with transaction.atomic():
            stored = ParseResult.objects.filter(task=task).count()
            room = max(task.user_limit - stored, 0) if task.task_type == "parse" else None
            records = batch.records if room is None else batch.records[:room]
            ParseResult.objects.bulk_create(
                [self.row(person) for person in records],
                ignore_conflicts=True,
                batch_size=500,
            )
            for person in batch.updates:
                self.merge_source(person)
            count = ParseResult.objects.filter(task=task).count()
            fields: dict[str, Any] = {
                "result_count": count,
                "processed_messages": batch.processed_messages,
                "processed_users": batch.processed_users,
                "checkpoint": batch.checkpoint,
                "heartbeat_at": timezone.now(),
                "updated_at": timezone.now(),
            }
            if batch.fraction is not None:
                fields["progress"] = min(int(batch.fraction * 100), 99)
            if batch.coverage is not None:
                fields["coverage"] = batch.coverage.as_dict()
            # Writing only while still running: a cancel wins over the worker.
            still_running = ParseTask.objects.filter(pk=task.pk, status=Status.RUNNING).update(
                **fields
            )
        task.refresh_from_db()
        if not still_running:
            publish(task, force=True)
            raise Cancelled()
        publish(task)

    def row(self, person: Person) -> ParseResult:
        return ParseResult(
            task=self.task,
            platform=self.task.platform,
            content_type=person.content_type,
            platform_id=person.platform_id,
            username=(person.username or "")[:100],
            display_name=(person.display_name or "")[:300],
            phone=person.phone,
            joined_at=person.joined_at,
            metadata=person.metadata,
        )

    def merge_source(self, person: Person) -> None:
        row = (
            ParseResult.objects.filter(task=self.task, platform_id=person.platform_id)
            .only("id", "metadata")
            .first()
        )
        if row is None:
            return
        sources = [s for s in str(row.metadata.get("source", "")).split(",") if s]
        new = person.metadata.get("source")
        if new and new not in sources:
            sources.append(new)
            row.metadata["source"] = ",".join(sources)
            row.save(update_fields=["metadata"])

    def complete(self) -> None:
        self.finish(Status.COMPLETED, progress=100)

    def fail(self, message: str) -> None:
        self.finish(Status.FAILED, error_message=message[:2000])

    def finish(self, status: str, **fields: Any) -> None:
        """End the task, unless a cancel got there first."""
        task = self.task
        now = timezone.now()
        ParseTask.objects.filter(pk=task.pk, status=Status.RUNNING).update(
            status=status,
            completed_at=now,
            updated_at=now,
            result_count=ParseResult.objects.filter(task=task).count(),
            waiting_reason="",
            **fields,
        )
        task.refresh_from_db()
        publish(task, force=True)
