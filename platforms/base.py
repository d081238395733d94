"""The interface every platform adapter implements.

An adapter is async: the job drives it from a worker process, pulling one batch
at a time, and writes each batch to the database before asking for the next. A
batch carries a checkpoint from which the adapter can start again, so a task
that moves to another account or survives a crash collects the same people.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(slots=True)
class Person:
    platform_id: str
    username: str = ""
    display_name: str = ""
    phone: str | None = None
    joined_at: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    content_type: str = "user"


@dataclass(slots=True)
class Community:
    platform_id: str
    title: str
    username: str
    link: str
    kind: str  # channel / supergroup / group
    participants_count: int | None
    verified: bool = False
    scam: bool = False

    def as_person(self) -> Person:
        """Communities are stored and exported through the same result rows."""
        return Person(
            platform_id=self.platform_id,
            username=self.username,
            display_name=self.title,
            metadata={
                "type": self.kind,
                "link": self.link,
                "participants_count": self.participants_count,
                "is_verified": self.verified,
                "is_scam": self.scam,
            },
            content_type="community",
        )


@dataclass(slots=True)
class Coverage:
    """What the platform reports versus what was collected, and why."""

    reported_total: int | None = None
    collected: int = 0
    reasons: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def add_reason(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reported_total": self.reported_total,
            "collected": self.collected,
            "reasons": list(self.reasons),
            "skipped": dict(self.skipped),
        }


@dataclass(slots=True)
class Batch:
    records: list[Person]
    checkpoint: dict[str, Any]
    processed_messages: int = 0
    processed_users: int = 0
    # Fraction of the work done, 0..1, when the adapter can tell.
    fraction: float | None = None
    coverage: Coverage | None = None
    # People already stored whose record gained something (e.g. another source).
    updates: list[Person] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Filters:
    skip_bots: bool = False
    skip_deleted: bool = False
    only_with_username: bool = False
    only_with_phone: bool = False
    last_seen_within_days: int | None = None


@dataclass(frozen=True, slots=True)
class ParseOptions:
    user_limit: int = 100
    message_limit: int | None = None
    sources: tuple[str, ...] = ()
    filters: Filters = Filters()
    full_profile: bool = False
    join: bool = False


@dataclass(frozen=True, slots=True)
class AccountCredentials:
    """What an adapter needs to log in; built by the account pool."""

    label: str
    kind: str
    session: str
    api_id: int = 0
    api_hash: str = ""
    phone: str = ""
    min_request_interval: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # the session is a secret: never print it
        return f"AccountCredentials(label={self.label!r}, kind={self.kind!r})"


class PlatformAdapter(abc.ABC):
    platform: ClassVar[str]
    title: ClassVar[str]
    available: ClassVar[bool] = True
    unavailable_reason: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[str]] = frozenset({"parse", "search"})
    min_query_length: ClassVar[int] = 3

    @classmethod
    @abc.abstractmethod
    def normalize_target(cls, link: str) -> str:
        """Return the canonical form of `link`, or raise InvalidTarget."""

    @abc.abstractmethod
    async def authenticate(self, account: AccountCredentials) -> None:
        """Connect with the account; raise AccountProblem if it cannot work."""

    @abc.abstractmethod
    def parse_target(
        self,
        target: str,
        options: ParseOptions,
        *,
        checkpoint: dict[str, Any] | None = None,
        known_ids: frozenset[str] = frozenset(),
    ) -> AsyncIterator[Batch]:
        """Yield the people of `target` in batches.

        `known_ids` are people already stored for this task (a resumed run):
        they count towards the limit and are not yielded again.
        """

    @abc.abstractmethod
    async def search_communities(self, query: str, *, limit: int = 50) -> list[Community]:
        """Public communities matching `query`."""

    @abc.abstractmethod
    async def cleanup(self) -> None:
        """Disconnect and free everything; safe to call twice."""
