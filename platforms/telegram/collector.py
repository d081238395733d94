"""Deduplication, filters and the hard limit, shared by every source of a task."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from telethon.tl import types

from platforms.base import Coverage, Filters, Person
from platforms.telegram.people import person_from_user, rejection

LIMIT_REASON = "limit reached"


class Collector:
    """Decides which people a task keeps.

    One person found by several sources is one row with every source listed:
    the first sighting makes the record, later sightings from another source
    produce an update that the job merges into the stored row. Filters run
    before the limit, so people left out by a filter never use up the limit.
    """

    def __init__(
        self,
        *,
        limit: int,
        filters: Filters,
        known_ids: frozenset[str],
        skipped: Mapping[str, int] | None = None,
    ) -> None:
        self.limit = limit
        self.filters = filters
        self.known = set(known_ids)
        # Sources each person was seen through during this run.
        self.sources: dict[str, list[str]] = {}
        self.rejected: set[str] = set()
        # Skip counts survive a resume through the checkpoint (see _Run.batch).
        self.skipped: Counter[str] = Counter(skipped or {})
        self.count = len(self.known)
        self.examined = 0
        self.limit_hit = False
        self.pending: list[Person] = []
        self.pending_users: dict[str, types.User] = {}
        self.updates: list[Person] = []

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def offer(self, user: types.User, *, source: str, participant: object | None = None) -> None:
        pid = str(user.id)
        seen = self.sources.get(pid)
        if seen is not None:
            if source not in seen:
                seen.append(source)
                self.updates.append(Person(platform_id=pid, metadata={"source": source}))
            return
        if pid in self.known:
            # Stored by an earlier run of this task: only its sources may grow.
            self.sources[pid] = [source]
            self.updates.append(Person(platform_id=pid, metadata={"source": source}))
            return
        if pid in self.rejected:
            return
        self.examined += 1
        reason = rejection(user, self.filters)
        if reason:
            self.rejected.add(pid)
            self.skipped[reason] += 1
            return
        if self.full:
            # Someone new was turned away: the limit, not the source, ended the task.
            self.limit_hit = True
            return
        self.sources[pid] = [source]
        self.pending.append(person_from_user(user, source=source, participant=participant))
        self.pending_users[pid] = user
        self.count += 1

    def skip(self, reason: str) -> None:
        """Count something a source showed that is not a person (e.g. a channel's comment)."""
        self.skipped[reason] += 1

    def take(self) -> tuple[list[Person], list[Person]]:
        records, updates = self.pending, self.updates
        self.pending, self.updates, self.pending_users = [], [], {}
        return records, updates

    def apply_to(self, coverage: Coverage) -> None:
        coverage.collected = self.count
        coverage.skipped = dict(self.skipped)
        for reason in self.skipped:
            coverage.add_reason(f"{reason} skipped")
        if self.limit_hit:
            coverage.add_reason(LIMIT_REASON)
