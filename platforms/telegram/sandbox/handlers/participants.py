"""channels.getParticipants, with Telegram's limits: 200 per page, 10,000 listed at most,
hidden members, subscribers listed only to admins (sandbox_admin_channel: the accounts are)."""

from __future__ import annotations

from collections.abc import Sequence

from telethon.tl import functions, types

from .. import render
from ..communities import CommunitySpec, Kind, Listing, MemberRange
from ..world import World
from . import resolve
from .behaviours import on_participants_page, on_read
from .context import Context, RpcFail
from .registry import handles
from .resolve import readable_channel

PAGE_MAX = 200


def participant(world: World, spec: CommunitySpec, position: int) -> types.TypeChannelParticipant:
    roles = world.roles(spec)
    user_id = world.person(world.member_index(spec, position)).id
    role = roles.role_of(position)
    if role == "creator":
        # TL gives the creator no join date.
        return types.ChannelParticipantCreator(user_id=user_id, admin_rights=render.full_rights())
    joined = world.join_date(spec, position)
    if role == "admin":
        creator_id = world.person(world.member_index(spec, roles.creator)).id
        return types.ChannelParticipantAdmin(
            user_id=user_id,
            promoted_by=creator_id,
            date=joined,
            admin_rights=render.admin_rights(),
            rank=world.admin_rank(spec, position),
        )
    return types.ChannelParticipant(user_id=user_id, date=joined)


def _lists_members(world: World, spec: CommunitySpec) -> bool:
    """Whether an account may page through the members at all (otherwise CHAT_ADMIN_REQUIRED:
    a channel's subscribers are shown only to its admins)."""
    if world.accounts_are_admins(spec):
        return True
    return spec.kind is not Kind.BROADCAST and spec.listing is not Listing.ADMIN_REQUIRED


def _positions(
    world: World, spec: CommunitySpec, filter_: types.TypeChannelParticipantsFilter
) -> tuple[Sequence[int], bool]:
    """(member positions shown, whether `count` is the whole chat's size)."""
    roles = world.roles(spec)
    admins = (roles.creator, *roles.admins)
    query = getattr(filter_, "q", None) or ""
    if isinstance(filter_, types.ChannelParticipantsAdmins):
        return admins, False
    if isinstance(
        filter_,
        types.ChannelParticipantsKicked
        | types.ChannelParticipantsBanned
        | types.ChannelParticipantsContacts,
    ):
        return (), False
    if spec.listing is Listing.ADMINS_ONLY:
        # Hidden members: non-admins see the admins only (and count says so).
        if query:
            matching = set(world.search_positions(spec, query))
            return tuple(p for p in admins if p in matching), False
        return admins, False
    if isinstance(filter_, types.ChannelParticipantsBots):
        listed = world.listed_positions(spec)
        return tuple(p for p in listed if world.person(world.member_index(spec, p)).is_bot), False
    if query:
        return world.search_positions(spec, query), False
    if isinstance(
        filter_,
        types.ChannelParticipantsRecent
        | types.ChannelParticipantsSearch
        | types.ChannelParticipantsMentions,
    ):
        return world.listed_positions(spec), True
    raise RpcFail(400, f"SANDBOX_NOT_IMPLEMENTED_{type(filter_).__name__}")


@handles(functions.channels.GetParticipantsRequest)
def get_participants(
    ctx: Context, request: functions.channels.GetParticipantsRequest
) -> types.channels.ChannelParticipants:
    spec = readable_channel(ctx, request.channel)
    on_read(ctx, spec)
    if not _lists_members(ctx.world, spec):
        raise RpcFail(400, "CHAT_ADMIN_REQUIRED")
    on_participants_page(ctx, spec, request.offset)
    world = ctx.world
    positions, whole = _positions(world, spec, request.filter)
    # Past the listing cap Telegram returns no one but keeps `count` at the real size.
    count = world.member_count(spec) if whole else len(positions)
    offset = max(request.offset, 0)
    page = positions[offset : offset + max(0, min(request.limit, PAGE_MAX))]
    return types.channels.ChannelParticipants(
        count=count,
        participants=[participant(world, spec, p) for p in page],
        chats=[],
        users=[render.person_user(world.person(world.member_index(spec, p))) for p in page],
    )


def _position_of(world: World, spec: CommunitySpec, user_id: int) -> int | None:
    person = world.person_by_id(user_id)
    if person is None:
        return None
    members = spec.members
    if isinstance(members, MemberRange):
        position = person.index - members.start
        return position if 0 <= position < members.count else None
    positions = [
        p for p in range(world.member_count(spec)) if world.member_index(spec, p) == person.index
    ]
    return positions[0] if positions else None


@handles(functions.channels.GetParticipantRequest)
def get_participant(
    ctx: Context, request: functions.channels.GetParticipantRequest
) -> types.channels.ChannelParticipant:
    spec = readable_channel(ctx, request.channel)
    world = ctx.world
    wanted = resolve.user_id(ctx, request.participant)
    if wanted is not None and wanted == ctx.user_id:
        # The account itself: a member of fixed-membership chats and of what it joined.
        if not ctx.is_member(spec):
            raise RpcFail(400, "USER_NOT_PARTICIPANT")
        roles = world.roles(spec)
        creator_id = world.person(world.member_index(spec, roles.creator)).id
        record: types.TypeChannelParticipant = types.ChannelParticipantSelf(
            user_id=wanted, inviter_id=creator_id, date=world.now
        )
        if world.accounts_are_admins(spec):
            # Telegram answers an admin's own record as an admin record marked `self`.
            record = types.ChannelParticipantAdmin(
                user_id=wanted,
                promoted_by=creator_id,
                date=world.now,
                admin_rights=render.admin_rights(),
                is_self=True,
                inviter_id=creator_id,  # TL requires it with is_self
            )
        return types.channels.ChannelParticipant(
            participant=record, chats=[ctx.chat(spec)], users=ctx.users([wanted, creator_id])
        )
    if not _lists_members(world, spec) or spec.listing is Listing.ADMINS_ONLY:
        raise RpcFail(400, "CHAT_ADMIN_REQUIRED")
    position = _position_of(world, spec, wanted) if wanted is not None else None
    if position is None:
        raise RpcFail(400, "USER_NOT_PARTICIPANT")
    return types.channels.ChannelParticipant(
        participant=participant(world, spec, position),
        chats=[ctx.chat(spec)],
        users=ctx.users([world.person(world.member_index(spec, position)).id]),
    )
