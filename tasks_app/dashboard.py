"""What the browser pages need on top of the services and selectors.

Several tasks from one form (one per line), one page of results behind a
cursor, a task's coverage summary in words, and the view of a result row. No
request objects here: the views stay thin and these functions stay testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from platforms.base import Community
from platforms.errors import PlatformError
from platforms.registry import list_platforms
from platforms.services import search_communities
from tasks_app import services
from tasks_app.models import ParseResult, ParseTask
from tasks_app.selectors import results_of

RESULTS_PAGE_SIZE = 50
TASKS_PAGE_SIZE = 25
MAX_LINKS_PER_FORM = 100
SEARCH_LIMIT = 50

PROFILE_URLS = {
    "telegram": "https://t.me/{username}",
    "instagram": "https://www.instagram.com/{username}/",
}
# Metadata flags shown as badges, in this order, with the words people read.
FLAGS = [
    ("is_bot", "bot"),
    ("is_deleted", "deleted"),
    ("is_premium", "premium"),
    ("is_verified", "verified"),
    ("is_scam", "scam"),
    ("is_fake", "fake"),
]


# --- platforms ---------------------------------------------------------------------------


def platform_choices(capability: str = "parse") -> list[dict[str, Any]]:
    """Every registered platform, with why it cannot be chosen when it cannot."""
    choices = []
    for platform in list_platforms():
        usable = platform["available"] and capability in platform["capabilities"]
        reason = platform["reason"]
        if platform["available"] and not usable:
            reason = f"does not support {capability}"
        choices.append(
            {
                "name": platform["name"],
                "title": platform["title"],
                "available": usable,
                "reason": "" if usable else reason,
            }
        )
    return choices


# --- several tasks from one form ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LineError:
    number: int
    text: str
    message: str


@dataclass(slots=True)
class CreatedTasks:
    tasks: list[ParseTask] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


def split_lines(text: str) -> list[tuple[int, str]]:
    """The non-blank lines of a textarea with their line numbers, each once."""
    seen: set[str] = set()
    lines = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if line and line not in seen:
            seen.add(line)
            lines.append((number, line))
    return lines


def create_tasks(
    *,
    owner: AbstractBaseUser,
    platform: str,
    lines: list[tuple[int, str]],
    task_type: str,
    priority: str,
    settings: dict[str, Any],
) -> CreatedTasks:
    """One task per line; a line the platform refuses is reported, the others are created."""
    outcome = CreatedTasks()
    for number, link in lines:
        try:
            with transaction.atomic():
                task = services.task_create(
                    owner=owner,
                    platform=platform,
                    link=link,
                    task_type=task_type,
                    priority=priority,
                    settings=settings,
                )
        except PlatformError as error:
            outcome.errors.append(LineError(number, link, str(error)))
        except ValidationError as error:
            outcome.errors.append(LineError(number, link, " ".join(error.messages)))
        else:
            outcome.tasks.append(task)
    return outcome


def collect_community(*, owner: AbstractBaseUser, platform: str, link: str) -> ParseTask:
    """The "Collect" button of a search result: a parse task with default settings."""
    return services.task_create(
        owner=owner, platform=platform, link=link, task_type=ParseTask.TaskType.PARSE
    )


@dataclass(frozen=True, slots=True)
class CommunityRow:
    platform_id: str
    title: str
    username: str
    kind: str
    participants_count: int | None
    verified: bool
    scam: bool
    # Only web links are shown as links (never a javascript: or tg: address).
    safe_link: str
    # What the "Collect" button sends as the task's link.
    collect_link: str

    @classmethod
    def of(cls, community: Community) -> CommunityRow:
        link = community.link or ""
        return cls(
            platform_id=community.platform_id,
            title=community.title,
            username=community.username,
            kind=community.kind,
            participants_count=community.participants_count,
            verified=community.verified,
            scam=community.scam,
            safe_link=link if _is_web_link(link) else "",
            collect_link=link or (f"@{community.username}" if community.username else ""),
        )


def find_communities(*, platform: str, query: str) -> list[CommunityRow]:
    """Search through the account pool; raises the services' PlatformErrors."""
    found = search_communities(platform=platform, query=query, limit=SEARCH_LIMIT)
    return [CommunityRow.of(community) for community in found]


def _is_web_link(link: str) -> bool:
    return link.startswith(("https://", "http://"))


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResultRow:
    id: int
    is_community: bool
    username: str
    profile_url: str
    display_name: str
    phone: str
    joined_at: datetime | None
    flags: list[str]
    source: str
    role: str
    kind: str
    members: int | None
    link: str

    @classmethod
    def of(cls, result: ParseResult) -> ResultRow:
        metadata = result.metadata or {}
        template = PROFILE_URLS.get(result.platform)
        username = result.username or ""
        is_community = result.content_type == ParseResult.ContentType.COMMUNITY
        link = str(metadata.get("link") or "") if is_community else ""
        return cls(
            id=result.pk,
            is_community=is_community,
            username=username,
            profile_url=template.format(username=quote(username)) if template and username else "",
            display_name=result.display_name,
            phone=result.phone or "",
            joined_at=result.joined_at,
            flags=[word for key, word in FLAGS if metadata.get(key) is True],
            source=str(metadata.get("source") or "").replace(",", ", "),
            role=str(metadata.get("role") or ""),
            kind=str(metadata.get("type") or ""),
            members=metadata.get("participants_count"),
            link=link if _is_web_link(link) else "",
        )


@dataclass(frozen=True, slots=True)
class ResultsPage:
    rows: list[ResultRow]
    # The cursor for the next request: the last id shown (or the one asked after).
    cursor: int
    # More rows exist right now; a running task may add more later.
    has_more: bool


def results_page(task: ParseTask, *, after: int = 0, size: int = RESULTS_PAGE_SIZE) -> ResultsPage:
    """One page of results after the cursor: never a count, never more than one page."""
    results = results_of(task)
    if after:
        results = results.filter(id__gt=after)
    items = list(results[: size + 1])
    has_more = len(items) > size
    items = items[:size]
    return ResultsPage(
        rows=[ResultRow.of(item) for item in items],
        cursor=items[-1].pk if items else after,
        has_more=has_more,
    )


def parse_cursor(raw: str | None) -> int | None:
    """A cursor from a query string; None when it is not one."""
    if raw in (None, ""):
        return 0
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return int(raw)


# --- the summary of a task --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    collected: int
    reported_total: int | None
    reasons: list[str]
    skipped: list[tuple[str, int]]
    limit_reached: bool


def summary(task: ParseTask) -> Summary:
    coverage = task.coverage if isinstance(task.coverage, dict) else {}
    reported = coverage.get("reported_total")
    skipped = coverage.get("skipped") or {}
    return Summary(
        collected=task.result_count,
        reported_total=reported if isinstance(reported, int) else None,
        reasons=[str(reason) for reason in coverage.get("reasons") or []],
        skipped=sorted(
            ((str(k), int(v)) for k, v in skipped.items() if isinstance(v, int) and v),
            key=lambda item: -item[1],
        ),
        limit_reached=task.task_type == ParseTask.TaskType.PARSE
        and task.result_count >= task.user_limit,
    )
