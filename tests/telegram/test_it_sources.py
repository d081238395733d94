"""Each source of people, each row tagged with where it came from."""

from __future__ import annotations

from collections import Counter
from typing import Any

from platforms.errors import TargetError
from platforms.telegram.adapter import CHANNEL_SOURCES_ERROR
from platforms.telegram.sandbox import World
from platforms.telegram.sandbox.communities import Kind
from platforms.telegram.sandbox.world import ADMIN_RANKS


def ids(values: Any) -> set[str]:
    return {str(v) for v in values}


def test_it_collects_every_listed_member_with_join_date_role_and_rank(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_group_1k", user_limit=100_000)
    assert run.error is None
    assert run.ids == ids(world.expected_listed_user_ids("sandbox_group_1k"))
    assert len(run.records) == 1000  # no duplicates

    spec = world.spec("sandbox_group_1k")
    roles = world.roles(spec)
    for position in range(1000):
        person = world.person(world.member_index(spec, position))
        record = run.by_id[str(person.id)]
        assert record.metadata["source"] == "members"
        role = roles.role_of(position)
        assert record.metadata["role"] == role
        if role == "creator":
            # TL gives the creator's participant record no date.
            assert record.joined_at is None
        else:
            assert record.joined_at == world.join_date(spec, position)
        if role == "admin":
            rank = world.admin_rank(spec, position)
            assert rank in ADMIN_RANKS
            assert record.metadata.get("admin_rank") == (rank or None)
        else:
            assert "admin_rank" not in record.metadata
    assert sum(r.metadata["role"] == "admin" for r in run.records) == 4
    coverage = run.coverage
    assert (coverage.reported_total, coverage.collected, coverage.reasons) == (1000, 1000, [])


def test_it_collects_a_basic_groups_members_from_its_full_info(collect: Any, world: World) -> None:
    run = collect("https://t.me/+SandboxBasic1", user_limit=1000)
    assert world.spec("sandbox_basic_group").kind is Kind.BASIC_GROUP
    assert run.ids == ids(world.expected_listed_user_ids("sandbox_basic_group"))
    spec = world.spec("sandbox_basic_group")
    roles = world.roles(spec)
    for position in range(50):
        record = run.by_id[str(world.person(world.member_index(spec, position)).id)]
        assert record.metadata["role"] == roles.role_of(position)
        if roles.role_of(position) != "creator":
            assert record.joined_at == world.join_date(spec, position)
    # The members were complete: no history walk for authors.
    assert run.checkpoint["processed_messages"] == 0
    assert run.coverage.reported_total == 50 and run.coverage.reasons == []


def test_it_collects_exactly_the_distinct_commenters_of_a_channel(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_channel", user_limit=100_000)
    assert run.error is None
    expected = ids(world.expected_commenter_ids("sandbox_channel"))
    assert len(expected) == 300
    assert run.ids == expected
    assert len(run.records) == 300
    assert {r.metadata["source"] for r in run.records} == {"commenters"}
    # Comments posted in a channel's name are counted, never collected as people.
    assert run.coverage.skipped == {"comments posted as a channel": 15}
    assert run.coverage.reported_total == 3000
    assert "a channel's subscribers are listed only to its admins" in run.coverage.reasons


def test_it_walks_only_the_newest_posts_up_to_the_message_limit(collect: Any, world: World) -> None:
    newest = sorted(world.community("sandbox_channel").post_ids)[-10:]
    expected: set[str] = set()
    for post in newest:
        expected |= ids(world.expected_commenter_ids("sandbox_channel", post))
    run = collect("@sandbox_channel", user_limit=100_000, message_limit=10)
    assert run.ids == expected
    assert "message limit reached" in run.coverage.reasons


def test_it_collects_message_authors_when_asked(collect: Any, world: World) -> None:
    run = collect("@sandbox_group_1k", user_limit=100_000, sources=["authors"])
    assert run.error is None
    expected = ids(world.expected_author_ids("sandbox_group_1k"))
    assert len(expected) == 120
    assert run.ids == expected
    assert {r.metadata["source"] for r in run.records} == {"authors"}
    # Authors carry no participant record.
    assert all(r.joined_at is None and r.metadata["role"] == "" for r in run.records)


def test_it_merges_a_person_found_by_two_sources_into_one_row(collect: Any, world: World) -> None:
    run = collect("@sandbox_group_1k", user_limit=100_000, sources=["members", "authors"])
    members = ids(world.expected_listed_user_ids("sandbox_group_1k"))
    authors = ids(world.expected_author_ids("sandbox_group_1k"))
    assert authors <= members
    assert run.ids == members and len(run.records) == 1000
    # Authors already collected as members come back as updates, once each.
    assert sorted(u.platform_id for u in run.updates) == sorted(authors)
    merged = run.sources()
    assert {pid for pid, s in merged.items() if s == {"members", "authors"}} == authors
    assert {pid for pid, s in merged.items() if s == {"members"}} == members - authors


def test_it_caps_everything_at_the_user_limit_across_sources(collect: Any, world: World) -> None:
    run = collect("@sandbox_hidden", user_limit=150)
    assert len(run.ids) == 150 == len(run.records)
    assert run.ids <= ids(world.expected_author_ids("sandbox_hidden"))
    assert "limit reached" in run.coverage.reasons
    assert run.coverage.collected == 150


def test_it_collects_the_authors_of_a_basic_groups_history(collect: Any, world: World) -> None:
    run = collect("https://t.me/+SandboxBasic1", user_limit=1000, sources=["authors"])
    expected = ids(world.expected_author_ids("sandbox_basic_group"))
    assert len(expected) == 20
    assert run.ids == expected


def test_it_counts_every_source_against_one_user_limit(collect: Any, world: World) -> None:
    # The admin channel: its 50 commenters first, then subscribers up to the limit.
    run = collect("@sandbox_admin_channel", user_limit=100)
    commenters = ids(world.expected_commenter_ids("sandbox_admin_channel"))
    spec = world.spec("sandbox_admin_channel")
    in_listing_order = [
        str(world.person(world.member_index(spec, p)).id) for p in world.listed_positions(spec)
    ]
    first_new = [pid for pid in in_listing_order if pid not in commenters][:50]
    assert len(run.records) == 100 == len(run.ids)
    assert run.ids == commenters | set(first_new)
    members = {p.platform_id for p in run.records if p.metadata["source"] == "members"}
    assert members == set(first_new)
    assert run.coverage.collected == 100
    assert run.coverage.reasons == ["comments posted as a channel skipped", "limit reached"]


# --- a channel the account administers --------------------------------------------------------


def test_it_collects_an_admin_channels_commenters_and_its_subscribers(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_admin_channel", user_limit=100_000)
    assert run.error is None
    commenters = ids(world.expected_commenter_ids("sandbox_admin_channel"))
    subscribers = ids(world.expected_listed_user_ids("sandbox_admin_channel"))
    assert (len(commenters), len(subscribers), len(commenters & subscribers)) == (50, 300, 45)
    # Every commenter and every subscriber, once each: 50 + 300 - 45.
    assert run.ids == commenters | subscribers and len(run.records) == 305
    # Commenters are read first; a subscriber seen there gets "members" as an update.
    assert {p.platform_id for p in run.records if p.metadata["source"] == "commenters"} == (
        commenters
    )
    assert sorted(u.platform_id for u in run.updates) == sorted(commenters & subscribers)
    assert {u.metadata["source"] for u in run.updates} == {"members"}
    merged = run.sources()
    assert {pid for pid, s in merged.items() if s == {"commenters", "members"}} == (
        commenters & subscribers
    )
    assert {pid for pid, s in merged.items() if s == {"commenters"}} == commenters - subscribers
    assert {pid for pid, s in merged.items() if s == {"members"}} == subscribers - commenters
    coverage = run.coverage
    assert (coverage.reported_total, coverage.collected) == (300, 305)
    # An admin is shown every subscriber: no "listed only to its admins" reason.
    assert coverage.reasons == ["comments posted as a channel skipped"]
    assert coverage.skipped == {"comments posted as a channel": 2}


def test_it_lists_exactly_an_admin_channels_subscribers_as_members(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_admin_channel", user_limit=100_000, sources=["members"])
    assert run.error is None
    subscribers = ids(world.expected_listed_user_ids("sandbox_admin_channel"))
    assert run.ids == subscribers and len(run.records) == 300
    assert {p.metadata["source"] for p in run.records} == {"members"}
    assert Counter(p.metadata["role"] for p in run.records) == {
        "member": 297,
        "admin": 2,
        "creator": 1,
    }
    assert run.checkpoint["processed_messages"] == 0  # no post or comment was read
    coverage = run.coverage
    assert (coverage.reported_total, coverage.collected, coverage.reasons) == (300, 300, [])
    # The same request on a channel the account does not administer fails with the reason.
    refused = collect("@sandbox_channel", user_limit=100_000, sources=["members"])
    assert isinstance(refused.error, TargetError)
    assert str(refused.error) == CHANNEL_SOURCES_ERROR and refused.batches == []


def test_it_collects_only_an_admin_channels_commenters_when_asked(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_admin_channel", user_limit=100_000, sources=["commenters"])
    assert run.error is None
    assert run.ids == ids(world.expected_commenter_ids("sandbox_admin_channel"))
    assert len(run.records) == 50 and run.updates == []
    assert run.coverage.reasons == ["comments posted as a channel skipped"]
