"""Adapters for platforms that are registered but not built yet."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from platforms.base import AccountCredentials, Batch, Community, ParseOptions, PlatformAdapter
from platforms.errors import PlatformNotAvailable


class UnavailableAdapter(PlatformAdapter):
    available = False

    @classmethod
    def _refuse(cls) -> PlatformNotAvailable:
        return PlatformNotAvailable(f"{cls.title} is not available yet.")

    @classmethod
    def normalize_target(cls, link: str) -> str:
        raise cls._refuse()

    async def authenticate(self, account: AccountCredentials) -> None:
        raise self._refuse()

    async def parse_target(
        self,
        target: str,
        options: ParseOptions,
        *,
        checkpoint: dict[str, Any] | None = None,
        known_ids: frozenset[str] = frozenset(),
    ) -> AsyncIterator[Batch]:
        raise self._refuse()
        yield  # pragma: no cover - makes this an async generator

    async def search_communities(self, query: str, *, limit: int = 50) -> list[Community]:
        raise self._refuse()

    async def cleanup(self) -> None:
        return None
