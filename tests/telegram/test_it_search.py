"""Community search through contacts.Search: groups and channels only."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from platforms.base import Community
from platforms.errors import InvalidQuery
from platforms.telegram.adapter import TelegramAdapter
from platforms.telegram.sandbox import Access, Kind, World

KINDS = {Kind.MEGAGROUP: "supergroup", Kind.BROADCAST: "channel", Kind.BASIC_GROUP: "group"}


def search(account: Any, query: str, *, min_length: int | None = None) -> list[Community]:
    async def run() -> list[Community]:
        adapter = TelegramAdapter()
        if min_length is not None:
            adapter.min_query_length = min_length  # to reach Telegram's own check
        try:
            await adapter.authenticate(account(1))
            return await adapter.search_communities(query)
        finally:
            await adapter.cleanup()

    return asyncio.run(run())


def public_samples(world: World) -> dict[str, Community]:
    """Every public sample community the account can open (a banned one is forbidden:
    Telegram shows it without username, link or size)."""
    return {
        c.username: Community(
            platform_id=str(c.id),
            title=c.title,
            username=c.username,
            link=f"https://t.me/{c.username}",
            kind=KINDS[c.kind],
            participants_count=c.participants_count,
        )
        for c in world.communities
        if c.username and c.access is not Access.BANNED
    }


def test_it_finds_every_public_sample_community_with_type_and_count(
    account: Any, world: World
) -> None:
    found = search(account, "sandbox")
    expected = public_samples(world)
    assert len(expected) == 9
    assert {c.username: c for c in found} == expected
    assert len(found) == len(expected)
    assert {c.kind for c in found} == {"supergroup", "channel"}
    counts = {c.username: c.participants_count for c in found}
    assert counts["sandbox_group_100k"] == 100_000
    assert counts["sandbox_admin_channel"] == 300
    assert expected["sandbox_admin_channel"].title == "Sandbox Admin Channel"


def test_it_stores_search_results_as_community_rows(account: Any, world: World) -> None:
    rows = [c.as_person() for c in search(account, "Sandbox Channel")]
    assert [r.username for r in rows] == ["sandbox_channel"]
    assert rows[0].content_type == "community"
    assert rows[0].metadata == {
        "type": "channel",
        "link": "https://t.me/sandbox_channel",
        "participants_count": 3000,
        "is_verified": False,
        "is_scam": False,
    }


def test_it_refuses_a_query_shorter_than_telegram_accepts(account: Any) -> None:
    with pytest.raises(InvalidQuery) as ours:
        search(account, " ab ")
    assert "at least 3 characters" in str(ours.value)
    # Telegram's own QUERY_TOO_SHORT, should the local check ever be looser.
    with pytest.raises(InvalidQuery) as telegrams:
        search(account, "ab", min_length=1)
    assert str(telegrams.value) == "Telegram says this search text is too short."


@pytest.mark.django_db(transaction=True)
def test_it_answers_the_search_api_with_the_communities(
    api: Any, sandbox_account: Any, world: World
) -> None:
    response = api.get("/api/v1/search/?q=sandbox&platform=telegram")
    assert response.status_code == 200, response.content
    results = {r["username"]: r for r in response.json()["results"]}
    expected = public_samples(world)
    assert set(results) == set(expected)
    for name, community in expected.items():
        assert results[name]["type"] == community.kind
        assert results[name]["participants_count"] == community.participants_count
        assert results[name]["link"] == community.link
    short = api.get("/api/v1/search/?q=ab&platform=telegram")
    assert short.status_code == 400
    assert "3 characters" in short.json()["detail"]
