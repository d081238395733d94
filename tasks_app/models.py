"""Tasks and the people (or communities) they collected."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_task_id() -> str:
    # 128 random bits, URL-safe: public ids must not be guessable or sequential.
    return secrets.token_urlsafe(16)


class ParseTask(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        QUEUED = "queued"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"

    class TaskType(models.TextChoices):
        PARSE = "parse"
        SEARCH = "search"

    class Priority(models.TextChoices):
        HIGH = "high"
        NORMAL = "normal"
        LOW = "low"

    ACTIVE_STATUSES = (Status.PENDING, Status.QUEUED, Status.RUNNING)
    FINISHED_STATUSES = (Status.COMPLETED, Status.FAILED, Status.CANCELLED)

    task_id = models.CharField(max_length=32, unique=True, default=new_task_id, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="parse_tasks"
    )
    platform = models.CharField(max_length=32)
    link = models.CharField(max_length=500)
    # The link as the adapter understood it (e.g. "@name" for every spelling).
    target = models.CharField(max_length=500, blank=True)
    task_type = models.CharField(max_length=16, choices=TaskType.choices, default=TaskType.PARSE)
    priority = models.CharField(max_length=16, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(default=0)
    settings = models.JSONField(default=dict, blank=True)

    processed_messages = models.PositiveIntegerField(default=0)
    processed_users = models.PositiveIntegerField(default=0)
    result_count = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    # Why a queued task is not running yet ("waiting for a free account ...").
    waiting_reason = models.CharField(max_length=300, blank=True)
    # What Telegram reports versus what was collected, and why they differ.
    coverage = models.JSONField(default=dict, blank=True)
    # Where to resume after a crash or an account switch (adapter-defined).
    checkpoint = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The RQ job meant to run the task next (to notice a job Redis lost).
    job_id = models.CharField(max_length=64, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["status", "priority"]),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.task_type} {self.link} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED_STATUSES

    @property
    def user_limit(self) -> int:
        return int(self.settings.get("user_limit", 100))


class ParseResult(models.Model):
    class ContentType(models.TextChoices):
        USER = "user"
        COMMUNITY = "community"

    task = models.ForeignKey(ParseTask, on_delete=models.CASCADE, related_name="results")
    platform = models.CharField(max_length=32)
    content_type = models.CharField(
        max_length=16, choices=ContentType.choices, default=ContentType.USER
    )
    platform_id = models.CharField(max_length=64)
    username = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    # NULL means "Telegram did not show a phone", which the API reports as null.
    phone = models.CharField(max_length=32, null=True, blank=True)  # noqa: DJ001
    joined_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # A retried or duplicated job can never store a person twice.
            models.UniqueConstraint(fields=["task", "platform_id"], name="unique_result_per_task"),
        ]
        indexes = [
            models.Index(fields=["task", "id"]),
            models.Index(fields=["task", "username"]),
            models.Index(fields=["task", "phone"]),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.platform_id} {self.username or self.display_name}"
