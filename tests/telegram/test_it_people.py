"""Person fields exactly as Telegram shows them, optional bios, and the task's filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from platforms.telegram import people
from platforms.telegram.sandbox import WORLD_NOW, World
from platforms.telegram.sandbox.people import Person as WorldPerson
from platforms.telegram.sandbox.people import Status


def members(world: World, key: str) -> list[WorldPerson]:
    """The people GetParticipants lists, in listing order."""
    spec = world.spec(key)
    return [world.person(world.member_index(spec, p)) for p in world.listed_positions(spec)]


def expected_last_seen(person: WorldPerson) -> str:
    if person.status is Status.OFFLINE:
        assert person.was_online is not None
        return person.was_online.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        Status.ONLINE: "online",
        Status.RECENTLY: "recently",
        Status.LAST_WEEK: "last week",
        Status.LAST_MONTH: "last month",
        Status.EMPTY: "long ago",
        None: "unknown",
    }[person.status]


def test_it_records_every_field_as_telegram_shows_it(collect: Any, world: World) -> None:
    run = collect("@sandbox_group_1k", user_limit=1000)
    everyone = members(world, "sandbox_group_1k")
    assert len(run.records) == len(everyone) == 1000
    for person in everyone:
        record = run.by_id[str(person.id)]
        assert record.username == (person.username or "")
        assert record.display_name == person.display_name
        # Only types.User.phone, filled when the person's privacy allows it.
        assert record.phone == person.phone
        assert record.content_type == "user"
        meta = record.metadata
        assert meta["is_bot"] is person.is_bot
        assert meta["is_deleted"] is person.is_deleted
        assert meta["is_premium"] is person.premium
        assert meta["is_verified"] is person.verified
        assert meta["is_scam"] is person.scam
        assert meta["is_fake"] is person.fake
        assert meta["lang_code"] == (person.lang_code or "")
        assert meta["last_seen"] == expected_last_seen(person)
        assert meta["source"] == "members"
    # The hand-written people at the start of the group, spot-checked by value.
    first = run.by_id[str(everyone[0].id)]
    assert first.display_name == "=cmd|' /C calc'!A0 Formula" and first.phone == "99988000001"
    assert run.by_id[str(everyone[8].id)].metadata["is_bot"] is True
    assert run.by_id[str(everyone[9].id)].metadata["is_deleted"] is True
    verified = run.by_id[str(everyone[10].id)]
    assert verified.metadata["is_verified"] and verified.metadata["is_premium"]
    assert run.by_id[str(everyone[11].id)].metadata["is_scam"] is True
    assert run.by_id[str(everyone[12].id)].metadata["is_fake"] is True
    buckets = {r.metadata["last_seen"] for r in run.records}
    assert {"online", "recently", "last week", "last month", "long ago", "unknown"} <= buckets


def test_it_adds_bios_from_get_full_user_when_asked(collect: Any, world: World) -> None:
    plain = collect("https://t.me/+SandboxBasic1", user_limit=1000)
    assert all("bio" not in r.metadata for r in plain.records)
    run = collect("https://t.me/+SandboxBasic1", user_limit=1000, full_profile=True)
    everyone = members(world, "sandbox_basic_group")
    assert len(run.records) == 50
    assert any(p.about for p in everyone) and any(p.is_deleted for p in everyone)
    for person in everyone:
        record = run.by_id[str(person.id)]
        if person.is_deleted:
            assert "bio" not in record.metadata  # a deleted account has no profile to read
        else:
            assert record.metadata["bio"] == (person.about or "")
        # GetFullUser has no phone: the phone stays what User.phone showed.
        assert record.phone == person.phone


FILTERS = [
    ("skip_bots", lambda p: not p.is_bot, "bots"),
    ("skip_deleted", lambda p: not p.is_deleted, "deleted accounts"),
    ("only_with_username", lambda p: bool(p.username), "people without a username"),
    ("only_with_phone", lambda p: bool(p.phone), "people without a visible phone"),
]


@pytest.mark.parametrize(("flag", "keep", "skip_key"), FILTERS)
def test_it_applies_each_filter_before_the_limit_counts(
    flag: str, keep: Any, skip_key: str, collect: Any, world: World
) -> None:
    everyone = members(world, "sandbox_group_1k")
    kept = [p for p in everyone if keep(p)]
    left_out = len(everyone) - len(kept)
    assert 0 < left_out
    whole = collect("@sandbox_group_1k", user_limit=1000, filters={flag: True})
    assert whole.ids == {str(p.id) for p in kept}
    assert whole.coverage.skipped == {skip_key: left_out}
    assert f"{skip_key} skipped" in whole.coverage.reasons
    # With a limit, the first 50 people who pass the filter, in listing order.
    limited = collect("@sandbox_group_1k", user_limit=50, filters={flag: True})
    assert limited.ids == {str(p.id) for p in kept[:50]}


def test_it_keeps_only_people_seen_within_n_days(
    collect: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Measure ages against the sandbox's fixed "now", so exact times are deterministic.
    monkeypatch.setattr(people, "utc_now", lambda: WORLD_NOW)
    days = 7

    def seen(person: WorldPerson) -> bool:
        if person.status is Status.OFFLINE:
            assert person.was_online is not None
            return WORLD_NOW - person.was_online <= timedelta(days=days)
        return person.status in (Status.ONLINE, Status.RECENTLY, Status.LAST_WEEK)

    everyone = members(world, "sandbox_group_1k")
    expected = {str(p.id) for p in everyone if seen(p)}
    run = collect("@sandbox_group_1k", user_limit=1000, filters={"last_seen_within_days": days})
    assert run.ids == expected
    assert run.coverage.skipped == {
        f"people not seen within {days} days": len(everyone) - len(expected)
    }


def test_it_counts_coarse_last_seen_buckets_at_their_widest_reach() -> None:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    assert people.seen_within_days("online", now=now) == 0
    assert people.seen_within_days("recently", now=now) == 3
    assert people.seen_within_days("last week", now=now) == 7
    assert people.seen_within_days("last month", now=now) == 30
    assert people.seen_within_days("2025-05-30T00:00:00Z", now=now) == 2
    assert people.seen_within_days("long ago", now=now) is None
    assert people.seen_within_days("unknown", now=now) is None


def test_it_combines_filters_and_counts_each_reason_once_per_person(
    collect: Any, world: World
) -> None:
    everyone = members(world, "sandbox_group_1k")
    run = collect(
        "@sandbox_group_1k",
        user_limit=1000,
        filters={"skip_bots": True, "skip_deleted": True, "only_with_phone": True},
    )
    kept = [p for p in everyone if not p.is_bot and not p.is_deleted and p.phone]
    assert run.ids == {str(p.id) for p in kept}
    # The first failing filter names the reason: bots, then deleted, then phone.
    bots = sum(p.is_bot for p in everyone)
    deleted = sum(p.is_deleted for p in everyone)
    assert run.coverage.skipped == {
        "bots": bots,
        "deleted accounts": deleted,
        "people without a visible phone": len(everyone) - bots - deleted - len(kept),
    }
