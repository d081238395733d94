"""The generated world: deterministic in every process, with the documented numbers."""

from __future__ import annotations

import hashlib

from platforms.telegram.sandbox import FORMULA_NAME, Kind, Listing, World, get_world

from .conftest import RunPython

FINGERPRINT = """
import hashlib
from platforms.telegram.sandbox import get_world
w = get_world()
parts = [w.describe_markdown()]
parts += [repr(w.person(i)) for i in (1, 2, 9, 10, 500, 77_777, 120_000)]
for c in w.communities:
    parts.append(repr(c))
    parts.append(repr(sorted(w.expected_author_ids(c.key)) if c.kind != "broadcast" else
                      sorted(w.expected_commenter_ids(c.key))))
print(hashlib.sha256("\\n".join(parts).encode()).hexdigest())
"""


def _fingerprint(world: World) -> str:
    parts = [world.describe_markdown()]
    parts += [repr(world.person(i)) for i in (1, 2, 9, 10, 500, 77_777, 120_000)]
    for c in world.communities:
        parts.append(repr(c))
        parts.append(
            repr(
                sorted(world.expected_author_ids(c.key))
                if c.kind != "broadcast"
                else sorted(world.expected_commenter_ids(c.key))
            )
        )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


async def test_it_is_the_same_world_in_every_process(run_python: RunPython) -> None:
    here = _fingerprint(get_world())
    assert _fingerprint(World()) == here  # a fresh instance too
    there = await run_python(FINGERPRINT)  # another process, another hash seed
    assert there.strip() == here


def test_it_documents_every_community_with_its_numbers(world: World) -> None:
    table = world.describe_markdown()
    expected = {
        "sandbox_group_1k": (1_000, 1_000),
        "sandbox_group_100k": (100_000, 10_000),
        "sandbox_channel": (3_000, 0),
        "sandbox_hidden": (5_000, 7),
        "sandbox_quiet": (1_500, 0),
        "sandbox_flood": (2_000, 2_000),
        "sandbox_ban_once": (1_000, 1_000),
        "sandbox_admin_only": (800, 0),
        "sandbox_banned": (700, 0),
        "sandbox_invite_group": (300, 300),
        "sandbox_basic_group": (50, 50),
        "sandbox_admin_channel": (300, 300),
        "sandbox_admin_channel_chat": (70, 70),
    }
    for key, (count, listed) in expected.items():
        community = world.community(key)
        assert (community.participants_count, community.listed_count) == (count, listed), key
        assert f"`{key}`" in table
    assert world.community("sandbox_channel").expected_commenters == 300
    assert world.community("sandbox_hidden").expected_authors == 400
    assert world.community("sandbox_admin_only").expected_authors == 150
    assert world.community("sandbox_basic_group").kind is Kind.BASIC_GROUP
    assert world.community("sandbox_hidden").listing is Listing.ADMINS_ONLY
    assert world.community("sandbox_group_1k").peer_id == -1002100000001
    assert world.community("sandbox_invite_group").link == "https://t.me/+SandboxInvite1"
    assert world.person(1).first_name == FORMULA_NAME
    assert world.community("sandbox_admin_channel").listing is Listing.ALL_TO_ADMINS
    assert world.community("sandbox_admin_channel").expected_commenters == 50
    assert "every sandbox account is an admin" in table
    assert "its 80 history authors are all listed members" in table


def test_it_draws_the_100k_groups_authors_from_its_listed_members(world: World) -> None:
    authors = world.expected_author_ids("sandbox_group_100k")
    listed = world.expected_listed_user_ids("sandbox_group_100k")
    assert len(authors) == 80 and authors <= listed
    # Only that group changed: a smaller group's authors are drawn as before, from everyone.
    assert world.community("sandbox_group_1k").expected_authors == 120


def test_it_has_admin_channel_commenters_partly_among_its_subscribers(world: World) -> None:
    commenters = world.expected_commenter_ids("sandbox_admin_channel")
    subscribers = world.expected_listed_user_ids("sandbox_admin_channel")
    assert (len(commenters), len(subscribers)) == (50, 300)
    assert len(commenters & subscribers) == 45 and len(commenters | subscribers) == 305
    assert subscribers == set(world.member_user_ids("sandbox_admin_channel"))
    # The discussion group holds every commenter, outsiders included, and 20 lurkers.
    chat = world.expected_listed_user_ids("sandbox_admin_channel_chat")
    assert commenters <= chat and len(chat) == 70


def test_it_keeps_per_post_commenters_consistent(world: World) -> None:
    for key in ("sandbox_channel", "sandbox_private_channel", "sandbox_admin_channel"):
        union: set[int] = set()
        for post_id in world.post_ids(key):
            union |= world.expected_commenter_ids(key, post_id)
        assert union == world.expected_commenter_ids(key)
    discussion = world.expected_author_ids("sandbox_channel_chat")
    assert discussion == world.expected_commenter_ids("sandbox_channel")
