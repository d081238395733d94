"""Turning Input* objects of a request into world entities, with Telegram's errors."""

from __future__ import annotations

from typing import Any

from telethon.tl import types

from .. import render
from ..communities import CommunitySpec, Kind
from .context import Context, RpcFail


def channel(ctx: Context, input_channel: Any) -> CommunitySpec:
    """InputChannel / InputPeerChannel -> the channel; the access hash must be the one the
    sandbox hands out (access_hash 0 or a wrong one: CHANNEL_INVALID, like Telegram)."""
    if not isinstance(input_channel, types.InputChannel | types.InputPeerChannel):
        raise RpcFail(400, "CHANNEL_INVALID")
    spec = ctx.world.spec_by_id(input_channel.channel_id)
    if spec is None or spec.kind is Kind.BASIC_GROUP:
        raise RpcFail(400, "CHANNEL_INVALID")
    if input_channel.access_hash != ctx.world.access_hash(spec):
        raise RpcFail(400, "CHANNEL_INVALID")
    return spec


def readable_channel(ctx: Context, input_channel: Any) -> CommunitySpec:
    spec = channel(ctx, input_channel)
    ctx.require_readable(spec)
    return spec


def basic_group(ctx: Context, chat_id: int) -> CommunitySpec:
    spec = ctx.world.spec_by_id(chat_id)
    if spec is None or spec.kind is not Kind.BASIC_GROUP:
        raise RpcFail(400, "CHAT_ID_INVALID")
    if not ctx.is_member(spec):
        raise RpcFail(400, "CHAT_FORBIDDEN")
    return spec


def user_id(ctx: Context, input_user: Any) -> int | None:
    """InputUser / InputPeerUser / *Self -> user id, or None when unknown or the access hash
    is wrong (Telegram then leaves the user out of users.getUsers)."""
    if isinstance(input_user, types.InputUserSelf | types.InputPeerSelf):
        return ctx.require_account().user_id
    if isinstance(input_user, types.InputUser | types.InputPeerUser):
        if input_user.user_id == ctx.user_id:
            return ctx.user_id
        expected = render.user_access_hash(ctx.world, input_user.user_id)
        if expected is not None and expected == input_user.access_hash:
            return input_user.user_id
    return None


def peer(ctx: Context, input_peer: Any) -> CommunitySpec | int:
    """A chat the account may read, or a user id (private chat)."""
    if isinstance(input_peer, types.InputPeerChannel):
        return readable_channel(ctx, input_peer)
    if isinstance(input_peer, types.InputPeerChat):
        return basic_group(ctx, input_peer.chat_id)
    found = user_id(ctx, input_peer)
    if found is None:
        raise RpcFail(400, "PEER_ID_INVALID")
    return found
