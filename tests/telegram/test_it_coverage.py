"""What Telegram reports versus what was collected, and why they differ."""

from __future__ import annotations

from typing import Any

from platforms.telegram.sandbox import World


def ids(values: Any) -> set[str]:
    return {str(v) for v in values}


def test_it_gets_exactly_the_10000_members_telegram_lists_of_a_100k_group(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_group_100k", user_limit=100_000, sources=["members"])
    assert run.error is None
    listed = ids(world.expected_listed_user_ids("sandbox_group_100k"))
    assert len(listed) == 10_000
    assert run.ids == listed and len(run.records) == 10_000
    coverage = run.coverage
    assert coverage.reported_total == 100_000
    assert coverage.collected == 10_000
    # The list simply ended at Telegram's cap: the task's limit did not stop it.
    assert coverage.reasons == ["Telegram lists at most 10,000 members"]


def test_it_yields_exactly_10000_for_a_100k_group_with_the_authors_merged_in(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_group_100k", user_limit=100_000)
    assert run.error is None
    listed = ids(world.expected_listed_user_ids("sandbox_group_100k"))
    authors = ids(world.expected_author_ids("sandbox_group_100k"))
    # The group's 80 history authors are all among the 10,000 members Telegram lists ...
    assert len(authors) == 80 and authors <= listed
    # ... so a task with a large limit yields exactly those 10,000 rows, all as members.
    assert run.ids == listed and len(run.records) == 10_000
    assert {p.metadata["source"] for p in run.records} == {"members"}
    # The capped list still sends the task through the whole history (200 texts, 5 service
    # messages, 2 sent as a channel), and each author comes back once as an update.
    assert run.checkpoint["processed_messages"] == 207
    assert sorted(u.platform_id for u in run.updates) == sorted(authors)
    merged = run.sources()
    assert {pid for pid, s in merged.items() if s == {"members", "authors"}} == authors
    assert sum(s == {"members"} for s in merged.values()) == 9_920
    coverage = run.coverage
    assert (coverage.reported_total, coverage.collected) == (100_000, 10_000)
    assert coverage.reasons == ["Telegram lists at most 10,000 members"]


def test_it_falls_back_to_the_400_authors_of_a_group_with_hidden_members(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_hidden", user_limit=100_000)
    assert run.error is None
    expected = ids(world.expected_author_ids("sandbox_hidden"))
    assert len(expected) == 400
    assert run.ids == expected and len(run.records) == 400
    assert {p.metadata["source"] for p in run.records} == {"authors"}
    coverage = run.coverage
    assert (coverage.reported_total, coverage.collected) == (5000, 400)
    assert coverage.reasons == ["member list hidden"]


def test_it_falls_back_to_authors_when_members_need_admin_rights(
    collect: Any, world: World
) -> None:
    run = collect("@sandbox_admin_only", user_limit=100_000)
    expected = ids(world.expected_author_ids("sandbox_admin_only"))
    assert len(expected) == 150
    assert run.ids == expected
    assert run.coverage.reported_total == 800
    assert run.coverage.reasons == ["member list requires admin rights"]


def test_it_fails_a_channel_with_comments_disabled_with_that_reason(collect: Any) -> None:
    run = collect("@sandbox_quiet", user_limit=1000)
    assert run.batches == []
    assert str(run.error) == (
        "Comments are disabled on this channel, so it has no commenters to collect."
    )
    post = collect("https://t.me/sandbox_quiet/5", user_limit=1000)
    assert str(post.error) == str(run.error)


def test_it_says_limit_reached_only_when_someone_was_left_out(collect: Any) -> None:
    exact = collect("@sandbox_group_1k", user_limit=1000)
    assert exact.coverage.collected == 1000 and exact.coverage.reasons == []
    short = collect("@sandbox_group_1k", user_limit=999)
    assert short.coverage.collected == 999 and short.coverage.reasons == ["limit reached"]


def test_it_counts_people_left_out_by_filters_in_the_coverage(collect: Any, world: World) -> None:
    spec = world.spec("sandbox_group_1k")
    people = [world.person(world.member_index(spec, p)) for p in range(1000)]
    run = collect("@sandbox_group_1k", user_limit=1000, filters={"skip_deleted": True})
    deleted = sum(p.is_deleted for p in people)
    assert deleted > 0
    assert run.coverage.skipped == {"deleted accounts": deleted}
    assert run.coverage.reasons == ["deleted accounts skipped"]
    assert run.coverage.collected == 1000 - deleted
