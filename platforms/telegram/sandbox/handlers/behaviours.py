"""The scripted one-off events of sandbox_flood and sandbox_ban_once.

"Once" is global across processes: `state.claim_once` is a SETNX in Redis.
"""

from __future__ import annotations

from ..communities import Behaviour, CommunitySpec
from .context import Context, RpcFail

FLOOD_ONCE_SECONDS = 600


def on_read(ctx: Context, spec: CommunitySpec) -> None:
    """GetParticipants or GetFullChannel of a community."""
    if spec.behaviour is Behaviour.BAN_ONCE and ctx.state.claim_once(f"ban-once:{spec.key}"):
        account = ctx.require_account()
        ctx.state.set_deactivated(account.user_id)
        raise RpcFail(401, "USER_DEACTIVATED_BAN")


def on_participants_page(ctx: Context, spec: CommunitySpec, offset: int) -> None:
    """A GetParticipants page of a community; offset > 0 is a second (or later) page."""
    if (
        spec.behaviour is Behaviour.FLOOD_ONCE
        and offset > 0
        and ctx.state.claim_once(f"flood-once:{spec.key}")
    ):
        raise RpcFail(420, f"FLOOD_WAIT_{FLOOD_ONCE_SECONDS}")
