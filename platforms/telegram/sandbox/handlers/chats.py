"""Finding and opening chats: resolve, search, get, full info, join, invites."""

from __future__ import annotations

import re

from telethon.tl import functions, types

from ..communities import EXPIRED_INVITE_HASH, Access, CommunitySpec, Kind, Listing
from ..render import peer_of, person_user
from .behaviours import on_read
from .context import Context, RpcFail
from .registry import handles
from .resolve import basic_group, channel, readable_channel

# Telegram usernames: 5..32 of [A-Za-z0-9_], starting with a letter, no "__", no trailing "_".
_VALID_USERNAME = re.compile(r"^[A-Za-z](?!.*__)[A-Za-z0-9_]{3,30}[A-Za-z0-9]$")
MIN_QUERY = 3


@handles(functions.contacts.ResolveUsernameRequest)
def resolve_username(
    ctx: Context, request: functions.contacts.ResolveUsernameRequest
) -> types.contacts.ResolvedPeer:
    name = request.username or ""
    if not _VALID_USERNAME.match(name):
        raise RpcFail(400, "USERNAME_INVALID")
    spec = ctx.world.spec_by_username(name)
    if spec is not None:
        return types.contacts.ResolvedPeer(peer=peer_of(spec), chats=[ctx.chat(spec)], users=[])
    person = ctx.world.person_by_username(name)
    if person is not None:
        return types.contacts.ResolvedPeer(
            peer=types.PeerUser(user_id=person.id), chats=[], users=[person_user(person)]
        )
    raise RpcFail(400, "USERNAME_NOT_OCCUPIED")


@handles(functions.contacts.SearchRequest)
def search(ctx: Context, request: functions.contacts.SearchRequest) -> types.contacts.Found:
    query = (request.q or "").strip()
    if len(query) < MIN_QUERY:
        raise RpcFail(400, "QUERY_TOO_SHORT")
    folded = query.casefold()
    found = [
        spec
        for spec in ctx.world.specs + ctx.world.personas
        if spec.username and (folded in spec.username.casefold() or folded in spec.title.casefold())
    ]
    if request.limit > 0:
        found = found[: request.limit]
    return types.contacts.Found(
        my_results=[],
        results=[peer_of(s) for s in found],
        chats=[ctx.chat(s) for s in found],
        users=[],
    )


@handles(functions.channels.GetChannelsRequest)
def get_channels(
    ctx: Context, request: functions.channels.GetChannelsRequest
) -> types.messages.Chats:
    chats: list[types.TypeChat] = []
    for input_channel in request.id:
        spec = channel(ctx, input_channel)
        if spec.access is Access.INVITE and not ctx.is_member(spec):
            raise RpcFail(400, "CHANNEL_PRIVATE")
        chats.append(ctx.chat(spec))  # banned: ChannelForbidden
    return types.messages.Chats(chats=chats)


@handles(functions.messages.GetChatsRequest)
def get_chats(ctx: Context, request: functions.messages.GetChatsRequest) -> types.messages.Chats:
    return types.messages.Chats(chats=[ctx.chat(basic_group(ctx, i)) for i in request.id])


def _linked_chats(ctx: Context, spec: CommunitySpec) -> list[types.TypeChat]:
    chats = [ctx.chat(spec)]
    if spec.linked:
        chats.append(ctx.chat(ctx.world.spec(spec.linked)))
    return chats


@handles(functions.channels.GetFullChannelRequest)
def get_full_channel(
    ctx: Context, request: functions.channels.GetFullChannelRequest
) -> types.messages.ChatFull:
    spec = readable_channel(ctx, request.channel)
    on_read(ctx, spec)
    world = ctx.world
    history = world.history(spec)
    last_id = history.last.id if history.last else 0
    megagroup = spec.kind is Kind.MEGAGROUP
    full = types.ChannelFull(
        id=spec.id,
        about=spec.about,
        read_inbox_max_id=last_id,
        read_outbox_max_id=last_id,
        unread_count=0,
        chat_photo=types.PhotoEmpty(id=0),
        notify_settings=types.PeerNotifySettings(),
        bot_info=[],
        pts=1 + len(history),
        can_view_participants=(
            (megagroup and spec.listing is not Listing.ADMIN_REQUIRED)
            or world.accounts_are_admins(spec)
            or None
        ),
        participants_hidden=spec.listing is Listing.ADMINS_ONLY or None,
        participants_count=world.member_count(spec),
        linked_chat_id=world.spec(spec.linked).id if spec.linked else None,
    )
    return types.messages.ChatFull(full_chat=full, chats=_linked_chats(ctx, spec), users=[])


@handles(functions.messages.GetFullChatRequest)
def get_full_chat(
    ctx: Context, request: functions.messages.GetFullChatRequest
) -> types.messages.ChatFull:
    spec = basic_group(ctx, request.chat_id)
    world = ctx.world
    roles = world.roles(spec)
    creator_id = world.person(world.member_index(spec, roles.creator)).id
    participants: list[types.TypeChatParticipant] = []
    user_ids: list[int] = []
    for position in range(world.member_count(spec)):
        user_id = world.person(world.member_index(spec, position)).id
        user_ids.append(user_id)
        role = roles.role_of(position)
        if role == "creator":
            participants.append(types.ChatParticipantCreator(user_id=user_id))
        elif role == "admin":
            participants.append(
                types.ChatParticipantAdmin(
                    user_id=user_id, inviter_id=creator_id, date=world.join_date(spec, position)
                )
            )
        else:
            participants.append(
                types.ChatParticipant(
                    user_id=user_id, inviter_id=creator_id, date=world.join_date(spec, position)
                )
            )
    full = types.ChatFull(
        id=spec.id,
        about=spec.about,
        participants=types.ChatParticipants(chat_id=spec.id, participants=participants, version=1),
        notify_settings=types.PeerNotifySettings(),
        chat_photo=types.PhotoEmpty(id=0),
        bot_info=[],
    )
    return types.messages.ChatFull(
        full_chat=full, chats=[ctx.chat(spec)], users=ctx.users(user_ids)
    )


def _joined(ctx: Context, spec: CommunitySpec) -> types.Updates:
    updates: list[types.TypeUpdate] = []
    if spec.kind is not Kind.BASIC_GROUP:
        updates.append(types.UpdateChannel(channel_id=spec.id))
    return types.Updates(
        updates=updates, users=[], chats=[ctx.chat(spec)], date=ctx.world.now, seq=0
    )


@handles(functions.channels.JoinChannelRequest)
def join_channel(ctx: Context, request: functions.channels.JoinChannelRequest) -> types.Updates:
    spec = channel(ctx, request.channel)
    if spec.access is Access.BANNED or (spec.access is Access.INVITE and not ctx.is_member(spec)):
        raise RpcFail(400, "CHANNEL_PRIVATE")
    if not ctx.world.is_fixed_member(spec):
        ctx.join(spec)
    return _joined(ctx, spec)


@handles(functions.channels.LeaveChannelRequest)
def leave_channel(ctx: Context, request: functions.channels.LeaveChannelRequest) -> types.Updates:
    spec = channel(ctx, request.channel)
    if ctx.world.is_fixed_member(spec):
        # Membership of these is part of the fixed world; leaving would break other tests.
        raise RpcFail(400, "SANDBOX_CANNOT_LEAVE_FIXED_MEMBERSHIP")
    if not ctx.is_member(spec):
        raise RpcFail(400, "USER_NOT_PARTICIPANT")
    ctx.leave(spec)
    return types.Updates(
        updates=[types.UpdateChannel(channel_id=spec.id)],
        users=[],
        chats=[ctx.chat(spec)],
        date=ctx.world.now,
        seq=0,
    )


def _invite(ctx: Context, invite_hash: str) -> CommunitySpec:
    if invite_hash == EXPIRED_INVITE_HASH:
        raise RpcFail(400, "INVITE_HASH_EXPIRED")
    spec = ctx.world.spec_by_invite(invite_hash)
    if spec is None:
        raise RpcFail(400, "INVITE_HASH_INVALID")
    return spec


@handles(functions.messages.CheckChatInviteRequest)
def check_chat_invite(
    ctx: Context, request: functions.messages.CheckChatInviteRequest
) -> types.TypeChatInvite:
    spec = _invite(ctx, request.hash)
    if ctx.is_member(spec):
        return types.ChatInviteAlready(chat=ctx.chat(spec))
    is_channel = spec.kind is not Kind.BASIC_GROUP
    return types.ChatInvite(
        title=spec.title,
        photo=types.PhotoEmpty(id=0),
        participants_count=ctx.world.member_count(spec),
        color=spec.id % 7,
        channel=is_channel or None,
        broadcast=spec.kind is Kind.BROADCAST or None,
        megagroup=spec.kind is Kind.MEGAGROUP or None,
        about=spec.about,
    )


@handles(functions.messages.ImportChatInviteRequest)
def import_chat_invite(
    ctx: Context, request: functions.messages.ImportChatInviteRequest
) -> types.Updates:
    spec = _invite(ctx, request.hash)
    if ctx.is_member(spec):
        raise RpcFail(400, "USER_ALREADY_PARTICIPANT")
    ctx.join(spec)
    return _joined(ctx, spec)
