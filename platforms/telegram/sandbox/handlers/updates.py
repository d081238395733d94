"""The two update requests Telethon makes itself (after login, in is_user_authorized)."""

from __future__ import annotations

from telethon.tl import functions, types

from .context import Context
from .registry import handles


@handles(functions.updates.GetStateRequest)
def get_state(ctx: Context, request: functions.updates.GetStateRequest) -> types.updates.State:
    return types.updates.State(pts=1, qts=0, date=ctx.world.now, seq=1, unread_count=0)


@handles(functions.updates.GetDifferenceRequest)
def get_difference(
    ctx: Context, request: functions.updates.GetDifferenceRequest
) -> types.updates.DifferenceEmpty:
    return types.updates.DifferenceEmpty(date=ctx.world.now, seq=1)
