"""Member lists through Telethon's iter_participants / get_participants."""

from __future__ import annotations

from collections import Counter

import pytest
from telethon import errors, functions, types

from platforms.telegram.sandbox import FORMULA_NAME, World

from .conftest import Harness


async def test_it_lists_all_1000_members_of_the_1k_group(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    group = await client.get_entity("sandbox_group_1k")
    assert isinstance(group, types.Channel) and group.megagroup
    assert group.participants_count == 1000
    full = await client(functions.channels.GetFullChannelRequest(group))
    assert full.full_chat.participants_count == 1000

    users = [u async for u in client.iter_participants(group)]
    assert len(users) == len({u.id for u in users}) == 1000
    assert {u.id for u in users} == world.expected_listed_user_ids("sandbox_group_1k")
    roles = Counter(type(u.participant).__name__ for u in users)
    assert roles == {
        "ChannelParticipant": 995,
        "ChannelParticipantAdmin": 4,
        "ChannelParticipantCreator": 1,
    }
    # Everyone but the creator (TL gives the creator no date) has a join date.
    assert all(
        u.participant.date
        for u in users
        if not isinstance(u.participant, types.ChannelParticipantCreator)
    )
    ranks = {
        u.participant.rank
        for u in users
        if isinstance(u.participant, types.ChannelParticipantAdmin)
    }
    assert "moderator" in ranks

    assert any(u.first_name == FORMULA_NAME for u in users)
    bots = [u for u in users if u.bot]
    deleted = [u for u in users if u.deleted]
    phones = [u for u in users if u.phone]
    assert bots and all(u.username.endswith("bot") for u in bots)
    assert deleted and all(u.first_name is None and u.username is None for u in deleted)
    assert 150 < len(phones) < 350  # ~25% of people show their phone
    assert any(u.premium for u in users) and any(u.verified for u in users)
    assert any(u.scam for u in users) and any(u.fake for u in users)
    statuses = {type(u.status).__name__ for u in users if u.status}
    assert {
        "UserStatusOnline",
        "UserStatusOffline",
        "UserStatusRecently",
        "UserStatusLastWeek",
        "UserStatusLastMonth",
        "UserStatusEmpty",
    } <= statuses

    paged = await client.get_participants(group)
    assert paged.total == 1000
    assert (await client.get_participants(group, limit=0)).total == 1000  # GetFullChannel


async def test_it_lists_only_10000_of_the_100k_group(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    users = await client.get_participants("sandbox_group_100k")
    assert len(users) == len({u.id for u in users}) == 10_000
    assert users.total == 100_000
    entity = await client.get_entity("sandbox_group_100k")
    full = await client(functions.channels.GetFullChannelRequest(entity))
    assert full.full_chat.participants_count == 100_000
    # Past the cap: no one, but the real count.
    page = await client(
        functions.channels.GetParticipantsRequest(
            entity, types.ChannelParticipantsRecent(), offset=10_000, limit=200, hash=0
        )
    )
    assert page.users == [] and page.count == 100_000
    # The world stays lazy: no 100,000 people were built.
    assert world.person.cache_info().currsize < 40_000


async def test_it_searches_members_beyond_the_listing_cap(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    found = await client.get_participants("sandbox_group_100k", search="brave")
    assert found and all(
        any(
            w.startswith("brave")
            for w in f"{u.first_name} {u.last_name} {u.username}".casefold().split()
        )
        for u in found
    )
    assert found.total == 100_000  # Telethon asks for the whole chat's count separately


async def test_it_lists_only_admins_of_a_group_with_hidden_members(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    group = await client.get_entity("sandbox_hidden")
    full = await client(functions.channels.GetFullChannelRequest(group))
    assert full.full_chat.participants_hidden and full.full_chat.participants_count == 5000
    users = await client.get_participants(group)
    assert len(users) == users.total == 7
    assert all(
        isinstance(u.participant, types.ChannelParticipantAdmin | types.ChannelParticipantCreator)
        for u in users
    )
    assert {u.id for u in users} == world.expected_listed_user_ids("sandbox_hidden")


@pytest.mark.parametrize("name", ["sandbox_admin_only", "sandbox_channel", "sandbox_quiet"])
async def test_it_refuses_member_lists_to_non_admins(sandbox: Harness, name: str) -> None:
    client = sandbox.client(1)
    with pytest.raises(errors.ChatAdminRequiredError):
        await client.get_participants(name)
    entity = await client.get_entity(name)
    full = await client(functions.channels.GetFullChannelRequest(entity))
    assert full.full_chat.participants_count > 0


async def test_it_lists_an_admin_channels_subscribers_to_its_admins(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    channel = await client.get_entity("sandbox_admin_channel")
    assert isinstance(channel, types.Channel) and channel.broadcast
    assert channel.title == "Sandbox Admin Channel"
    # Every sandbox account is an admin (and so a member) of it.
    assert channel.admin_rights is not None and not channel.left and not channel.creator
    full = await client(functions.channels.GetFullChannelRequest(channel))
    assert full.full_chat.can_view_participants and full.full_chat.participants_count == 300
    assert full.full_chat.linked_chat_id == world.spec("sandbox_admin_channel_chat").id

    users = await client.get_participants(channel)
    assert len(users) == users.total == 300
    assert {u.id for u in users} == world.expected_listed_user_ids("sandbox_admin_channel")
    roles = Counter(type(u.participant).__name__ for u in users)
    assert roles == {
        "ChannelParticipant": 297,
        "ChannelParticipantAdmin": 2,
        "ChannelParticipantCreator": 1,
    }
    me = await client(functions.channels.GetParticipantRequest(channel, types.InputPeerSelf()))
    assert isinstance(me.participant, types.ChannelParticipantAdmin) and me.participant.is_self
    subscriber = users[0]
    one = await client(functions.channels.GetParticipantRequest(channel, subscriber))
    assert one.participant.user_id == subscriber.id

    # Being an admin is part of the world, for every account: no leaving, in the dialogs.
    with pytest.raises(errors.RPCError, match="SANDBOX_CANNOT_LEAVE_FIXED_MEMBERSHIP"):
        await client(functions.channels.LeaveChannelRequest(channel))
    other = sandbox.client(2)
    assert (await other.get_entity("sandbox_admin_channel")).admin_rights is not None
    assert len(await other.get_participants("sandbox_admin_channel")) == 300


async def test_it_shows_the_banned_group_as_forbidden(sandbox: Harness) -> None:
    client = sandbox.client(1)
    entity = await client.get_entity("sandbox_banned")
    assert isinstance(entity, types.ChannelForbidden)
    with pytest.raises(errors.ChannelPrivateError):
        await client(
            functions.channels.GetFullChannelRequest(
                types.InputChannel(entity.id, entity.access_hash)
            )
        )
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_participants(entity)


async def test_it_lists_the_basic_group_through_get_full_chat(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    chat = await client.get_entity("https://t.me/+SandboxBasic1")
    assert isinstance(chat, types.Chat) and chat.participants_count == 50
    full = await client(functions.messages.GetFullChatRequest(chat.id))
    participants = full.full_chat.participants.participants
    assert len(participants) == 50 and len(full.users) == 50
    kinds = Counter(type(p).__name__ for p in participants)
    assert kinds == {"ChatParticipant": 48, "ChatParticipantAdmin": 1, "ChatParticipantCreator": 1}
    users = await client.get_participants(chat)
    assert len(users) == users.total == 50
    assert {u.id for u in users} == world.expected_listed_user_ids("sandbox_basic_group")


async def test_it_answers_single_participant_lookups(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    group = await client.get_entity("sandbox_group_1k")
    person = world.person(1)
    found = await client(
        functions.channels.GetParticipantRequest(
            group, types.InputPeerUser(person.id, person.access_hash)
        )
    )
    assert found.participant.user_id == person.id and found.participant.date
    with pytest.raises(errors.UserNotParticipantError):
        await client(functions.channels.GetParticipantRequest(group, types.InputPeerSelf()))
    private = world.spec("sandbox_private_channel_chat")
    me = await client(
        functions.channels.GetParticipantRequest(
            types.InputChannel(private.id, world.access_hash(private)), types.InputPeerSelf()
        )
    )
    assert isinstance(me.participant, types.ChannelParticipantSelf)


async def test_it_answers_several_requests_sent_at_once(sandbox: Harness) -> None:
    client = sandbox.client(1)
    resolved, found = await client(
        [
            functions.contacts.ResolveUsernameRequest("sandbox_group_1k"),
            functions.contacts.SearchRequest(q="sandbox_group", limit=5),
        ]
    )
    assert resolved.chats[0].username == "sandbox_group_1k"
    assert {c.username for c in found.chats} == {"sandbox_group_1k", "sandbox_group_100k"}
