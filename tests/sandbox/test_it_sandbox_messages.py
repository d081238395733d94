"""Histories and comments through Telethon's iter_messages.

`wait_time=0` everywhere: with no limit (or limit > 3000) Telethon itself sleeps one second
between pages of iter_messages, which would only slow these tests down.
"""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors, functions, types

from platforms.telegram.sandbox import World

from .conftest import Harness


async def _commenters(
    client: TelegramClient, channel: types.Channel
) -> tuple[dict[int, set[int]], int]:
    """Distinct people per post, and how many comments were posted in a channel's name."""
    people: dict[int, set[int]] = {}
    channel_comments = 0
    async for post in client.iter_messages(channel, wait_time=0):
        if not isinstance(post, types.Message) or not post.replies:
            continue
        seen = people.setdefault(post.id, set())
        async for comment in client.iter_messages(channel, reply_to=post.id, wait_time=0):
            if isinstance(comment.sender, types.User):
                seen.add(comment.sender.id)
            elif isinstance(comment.from_id, types.PeerChannel):
                channel_comments += 1
    return people, channel_comments


async def test_it_has_exactly_300_distinct_commenters(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    channel = await client.get_entity("sandbox_channel")
    assert channel.broadcast
    full = await client(functions.channels.GetFullChannelRequest(channel))
    linked = full.full_chat.linked_chat_id
    assert linked == world.spec("sandbox_channel_chat").id

    per_post, channel_comments = await _commenters(client, channel)
    everyone = set().union(*per_post.values())
    assert len(everyone) == 300
    assert everyone == world.expected_commenter_ids("sandbox_channel")
    assert channel_comments > 0  # posted in a channel's name, not counted
    assert sum(1 for people in per_post.values() if len(people) > 1) > 10
    for post_id, people in per_post.items():
        assert people == world.expected_commenter_ids("sandbox_channel", post_id)
    # Several people comment under more than one post.
    assert sum(len(p) for p in per_post.values()) > 300


async def test_it_has_admin_channel_commenters_partly_outside_its_subscribers(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    channel = await client.get_entity("sandbox_admin_channel")
    per_post, channel_comments = await _commenters(client, channel)
    everyone = set().union(*per_post.values())
    assert everyone == world.expected_commenter_ids("sandbox_admin_channel")
    subscribers = {u.id for u in await client.get_participants(channel)}
    assert (len(everyone), len(everyone & subscribers), len(everyone - subscribers)) == (50, 45, 5)
    assert channel_comments == 2


async def test_it_shapes_comments_like_telegram(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    channel = await client.get_entity("sandbox_channel")
    posts = [
        m async for m in client.iter_messages(channel, wait_time=0) if isinstance(m, types.Message)
    ]
    busiest = max(posts, key=lambda m: m.replies.replies)
    discussion_id = world.spec("sandbox_channel_chat").id
    assert busiest.replies.comments and busiest.replies.channel_id == discussion_id
    assert busiest.replies.replies > 100  # needs more than one GetReplies page
    comments = [c async for c in client.iter_messages(channel, reply_to=busiest.id, wait_time=0)]
    assert len(comments) == busiest.replies.replies
    assert [c.id for c in comments] == sorted((c.id for c in comments), reverse=True)
    assert all(c.peer_id == types.PeerChannel(discussion_id) for c in comments)
    assert all(c.reply_to and c.reply_to.reply_to_msg_id for c in comments)
    silent = [p for p in posts if p.replies and p.replies.replies == 0]
    assert silent
    assert [c async for c in client.iter_messages(channel, reply_to=silent[0].id)] == []

    discussion = await client(functions.messages.GetDiscussionMessageRequest(channel, busiest.id))
    root = discussion.messages[0]
    assert root.fwd_from.channel_post == busiest.id
    assert root.peer_id == types.PeerChannel(discussion_id)


async def test_it_hides_the_quiet_channels_comments(sandbox: Harness) -> None:
    client = sandbox.client(1)
    channel = await client.get_entity("sandbox_quiet")
    posts = [
        m async for m in client.iter_messages(channel, wait_time=0) if isinstance(m, types.Message)
    ]
    assert len(posts) == 25 and all(p.replies is None for p in posts)
    full = await client(functions.channels.GetFullChannelRequest(channel))
    assert full.full_chat.linked_chat_id is None
    with pytest.raises(errors.MsgIdInvalidError):
        await client.get_messages(channel, reply_to=posts[0].id)


@pytest.mark.parametrize(
    ("name", "authors"),
    [("sandbox_hidden", 400), ("sandbox_admin_only", 150), ("sandbox_group_1k", 120)],
)
async def test_it_has_exact_distinct_history_authors(
    sandbox: Harness, world: World, name: str, authors: int
) -> None:
    client = sandbox.client(1)
    people: set[int] = set()
    service = by_channel = 0
    async for message in client.iter_messages(name, wait_time=0):
        if isinstance(message, types.MessageService):
            service += 1
        if isinstance(message.sender, types.User):
            people.add(message.sender.id)
        elif isinstance(message.from_id, types.PeerChannel):
            by_channel += 1
    assert len(people) == authors
    assert people == world.expected_author_ids(name)
    assert service > 0 and by_channel > 0


async def test_it_pages_history_both_ways(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    newest = [m.id async for m in client.iter_messages("sandbox_hidden", limit=250)]
    oldest = [m.id async for m in client.iter_messages("sandbox_hidden", limit=250, reverse=True)]
    total = len(world.history(world.spec("sandbox_hidden")))
    assert newest == list(range(total, total - 250, -1))
    assert oldest == list(range(1, 251))
    around = [m.id async for m in client.iter_messages("sandbox_hidden", offset_id=500, limit=5)]
    assert around == [499, 498, 497, 496, 495]
    assert (await client.get_messages("sandbox_hidden", limit=0)).total == total
    picked = await client.get_messages("sandbox_hidden", ids=[3, 10**6])
    assert picked[0].id == 3 and picked[1] is None
