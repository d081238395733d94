"""Finding chats: usernames, search, invites, dialogs and private links."""

from __future__ import annotations

import pytest
from telethon import errors, functions, types

from platforms.telegram.sandbox import FORMULA_NAME, Access, World

from .conftest import Harness


async def test_it_resolves_usernames_like_telegram(sandbox: Harness) -> None:
    client = sandbox.client(1)
    with pytest.raises(ValueError, match="No user has"):
        await client.get_entity("sandbox_no_such_group")
    with pytest.raises(errors.UsernameNotOccupiedError):
        await client(functions.contacts.ResolveUsernameRequest("sandbox_no_such_group"))
    with pytest.raises(errors.UsernameInvalidError):
        await client(functions.contacts.ResolveUsernameRequest("no!"))
    person = await client.get_entity("@formula_cat1")
    assert isinstance(person, types.User) and person.first_name == FORMULA_NAME
    full = await client(functions.users.GetFullUserRequest(person))
    assert full.full_user.about == "=1+1"
    assert (await client.get_entity("https://t.me/sandbox_group_1k")).title == "Sandbox Group 1K"


async def test_it_searches_public_groups_and_channels(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    found = await client(functions.contacts.SearchRequest(q="sandbox", limit=50))
    assert found.my_results == [] and found.users == []
    chats = {chat.id: chat for chat in found.chats}
    assert [getattr(p, "channel_id", None) for p in found.results] == list(chats)
    public = {s.id for s in world.specs if s.username}
    assert set(chats) == public
    listed = [c for c in chats.values() if isinstance(c, types.Channel)]
    assert all(c.participants_count for c in listed)
    assert isinstance(chats[world.spec("sandbox_banned").id], types.ChannelForbidden)

    by_title = await client(functions.contacts.SearchRequest(q="Group 1K", limit=10))
    assert [c.username for c in by_title.chats] == ["sandbox_group_1k"]
    with pytest.raises(errors.QueryTooShortError):
        await client(functions.contacts.SearchRequest(q="sa", limit=10))


async def test_it_joins_a_private_group_by_invite(sandbox: Harness, world: World) -> None:
    client = sandbox.client(1)
    spec = world.spec("sandbox_invite_group")
    secret_handle = types.InputChannel(spec.id, world.access_hash(spec))

    invite = await client(functions.messages.CheckChatInviteRequest("SandboxInvite1"))
    assert isinstance(invite, types.ChatInvite)
    assert invite.participants_count == 300 and invite.megagroup and invite.channel
    with pytest.raises(ValueError, match="not part of"):
        await client.get_entity("https://t.me/+SandboxInvite1")
    with pytest.raises(errors.ChannelPrivateError):
        await client(functions.channels.GetFullChannelRequest(secret_handle))
    with pytest.raises(errors.ChannelPrivateError):
        await client.get_participants(secret_handle)

    updates = await client(functions.messages.ImportChatInviteRequest("SandboxInvite1"))
    assert [c.id for c in updates.chats] == [spec.id] and not updates.chats[0].left
    again = await client(functions.messages.CheckChatInviteRequest("SandboxInvite1"))
    assert isinstance(again, types.ChatInviteAlready) and again.chat.id == spec.id
    users = await client.get_participants(updates.chats[0])
    assert len(users) == users.total == 300
    with pytest.raises(errors.UserAlreadyParticipantError):
        await client(functions.messages.ImportChatInviteRequest("SandboxInvite1"))
    # Membership is per account.
    other = sandbox.client(2)
    assert isinstance(
        await other(functions.messages.CheckChatInviteRequest("SandboxInvite1")), types.ChatInvite
    )


async def test_it_refuses_expired_and_unknown_invites(sandbox: Harness) -> None:
    client = sandbox.client(1)
    for request in (
        functions.messages.CheckChatInviteRequest,
        functions.messages.ImportChatInviteRequest,
    ):
        with pytest.raises(errors.InviteHashExpiredError):
            await client(request("SandboxExpired"))
        with pytest.raises(errors.InviteHashInvalidError):
            await client(request("NoSuchInvite42"))


async def test_it_opens_the_private_channel_only_through_dialogs(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    community = world.community("sandbox_private_channel")
    assert community.access is Access.MEMBER
    channel_id = int(community.link.split("/c/")[1].split("/")[0])
    # As Telegram: an id alone (access_hash 0) is not enough.
    with pytest.raises(errors.ChannelInvalidError):
        await client(functions.channels.GetChannelsRequest([types.InputChannel(channel_id, 0)]))
    with pytest.raises(ValueError):
        await client.get_entity(types.PeerChannel(channel_id))

    position, found = 0, None
    async for dialog in client.iter_dialogs():
        position += 1
        if isinstance(dialog.entity, types.Channel) and dialog.entity.id == channel_id:
            found = dialog.entity
            break
    assert found is not None and position > 100  # on the second GetDialogs page
    assert found.title == "Sandbox Private Channel" and not found.left
    fetched = await client(
        functions.channels.GetChannelsRequest([types.InputChannel(channel_id, found.access_hash)])
    )
    assert fetched.chats[0].id == channel_id

    post_id = community.post_ids[-1]
    post = await client.get_messages(found, ids=post_id)
    assert post.id == post_id
    for post_id in community.post_ids:
        people = {
            c.sender.id
            async for c in client.iter_messages(found, reply_to=post_id, wait_time=0)
            if isinstance(c.sender, types.User)
        }
        assert people == world.expected_commenter_ids("sandbox_private_channel", post_id)
    assert (
        community.expected_commenters
        == len(world.expected_commenter_ids("sandbox_private_channel"))
        == 60
    )


async def test_it_pages_dialogs_completely(sandbox: Harness) -> None:
    client = sandbox.client(1)
    dialogs = await client.get_dialogs()
    assert len(dialogs) == len({d.id for d in dialogs}) == dialogs.total
    names = {d.name for d in dialogs}
    assert {
        "Sandbox Private Channel",
        "Sandbox Private Channel Chat",
        "Sandbox Basic Group",
        "Sandbox Admin Channel",  # administered, so a member
    } <= names
    assert "Sandbox Admin Channel Chat" not in names  # its discussion group is only readable
    assert sum(1 for d in dialogs if d.is_user) == 150

    await client(functions.channels.JoinChannelRequest(await client.get_entity("sandbox_flood")))
    joined = await client.get_dialogs()
    assert len(joined) == len(dialogs) + 1 and "Sandbox Flood" in {d.name for d in joined}


async def test_it_gets_users_by_id_only_with_their_access_hash(
    sandbox: Harness, world: World
) -> None:
    client = sandbox.client(1)
    person = world.person(500)
    right = types.InputUser(person.id, person.access_hash)
    wrong = types.InputUser(person.id, person.access_hash ^ 1)
    users = await client(functions.users.GetUsersRequest([right, wrong]))
    assert [u.id for u in users] == [person.id]  # Telegram leaves the wrong one out
    with pytest.raises(errors.UserIdInvalidError):
        await client(functions.users.GetFullUserRequest(wrong))
    spec = world.spec("sandbox_group_1k")
    with pytest.raises(errors.ChannelInvalidError):
        await client(
            functions.channels.GetChannelsRequest(
                [types.InputChannel(spec.id, world.access_hash(spec) ^ 1)]
            )
        )
