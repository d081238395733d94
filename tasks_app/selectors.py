"""Read-side queries: whose tasks, which results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.http import Http404

from tasks_app.models import ParseResult, ParseTask


def tasks_of(user: AbstractBaseUser) -> QuerySet[ParseTask]:
    return ParseTask.objects.filter(owner=user).order_by("-created_at", "-id")


def task_of(user: AbstractBaseUser, task_id: str) -> ParseTask:
    """The user's own task; anyone else's answers 404, as if it did not exist."""
    task = ParseTask.objects.filter(owner=user, task_id=task_id).first()
    if task is None:
        raise Http404("No such task.")
    return task


def results_of(task: ParseTask, filters: dict[str, Any] | None = None) -> QuerySet[ParseResult]:
    results = ParseResult.objects.filter(task=task).order_by("id")
    filters = filters or {}
    if filters.get("q"):
        text = filters["q"]
        results = results.filter(Q(username__icontains=text) | Q(display_name__icontains=text))
    if filters.get("has_phone") is True:
        results = results.filter(phone__isnull=False).exclude(phone="")
    elif filters.get("has_phone") is False:
        results = results.filter(Q(phone__isnull=True) | Q(phone=""))
    if filters.get("has_username") is True:
        results = results.exclude(username="")
    elif filters.get("has_username") is False:
        results = results.filter(username="")
    if filters.get("source"):
        results = results.filter(metadata__source__contains=filters["source"])
    return results


def metadata_keys(results: QuerySet[ParseResult]) -> list[str]:
    """Every metadata key in these results, in a stable, readable order."""
    seen: set[str] = set()
    for metadata in results.values_list("metadata", flat=True).iterator(chunk_size=2000):
        seen.update(metadata or {})
    preferred = [key for key in PREFERRED_METADATA if key in seen]
    return preferred + sorted(seen - set(preferred))


def iter_results(results: QuerySet[ParseResult], chunk_size: int = 2000) -> Iterator[ParseResult]:
    return results.iterator(chunk_size=chunk_size)


PREFERRED_METADATA = [
    "source",
    "role",
    "admin_rank",
    "is_bot",
    "is_deleted",
    "is_premium",
    "is_verified",
    "is_scam",
    "is_fake",
    "last_seen",
    "lang_code",
    "bio",
    "type",
    "link",
    "participants_count",
]
