"""messages.getDialogs: the account's chats, newest first, paged like Telegram.

Every account has 150 private chats (all newer than the private channel, so a collector must
page past the first 100 dialogs to find it), the fixed-membership chats, and whatever it
joined (in the shared state).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telethon import utils
from telethon.tl import functions, types

from .. import render
from ..communities import CommunitySpec
from ..content import MessageRecord
from .context import Context
from .registry import handles

PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class _Entry:
    date: datetime
    peer: types.TypePeer
    record: MessageRecord
    spec: CommunitySpec | None  # None for a private chat
    person_index: int | None

    @property
    def peer_id(self) -> int:
        return utils.get_peer_id(self.peer)


def _entries(ctx: Context) -> list[_Entry]:
    world = ctx.world
    entries: list[_Entry] = []
    joined = ctx.joined
    for spec in world.specs + world.personas:
        if world.is_fixed_member(spec) or (spec.id in joined and ctx.can_read(spec)):
            last = world.history(spec).last
            if last is not None:
                entries.append(_Entry(last.date, render.peer_of(spec), last, spec, None))
    for index, record in world.dialog_messages():
        peer = types.PeerUser(user_id=world.person(index).id)
        entries.append(_Entry(record.date, peer, record, None, index))
    entries.sort(key=lambda e: (e.date, e.peer_id), reverse=True)
    return entries


def _input_peer_id(peer: types.TypeInputPeer) -> int | None:
    try:
        return utils.get_peer_id(peer)
    except TypeError:  # InputPeerEmpty: no offset
        return None


@handles(functions.messages.GetDialogsRequest)
def get_dialogs(
    ctx: Context, request: functions.messages.GetDialogsRequest
) -> types.messages.TypeDialogs:
    if request.folder_id:  # the archive (folder 1) is empty
        return types.messages.Dialogs(dialogs=[], messages=[], chats=[], users=[])
    entries = _entries(ctx)
    start = 0
    offset_peer = _input_peer_id(request.offset_peer)
    offset_date = request.offset_date
    if offset_peer is not None and any(e.peer_id == offset_peer for e in entries):
        start = next(i for i, e in enumerate(entries) if e.peer_id == offset_peer) + 1
    elif offset_date is not None and offset_date.timestamp() > 0:
        start = next((i for i, e in enumerate(entries) if e.date < offset_date), len(entries))
    limit = max(0, min(request.limit, PAGE_MAX))
    page = entries[start : start + limit]

    world = ctx.world
    dialogs: list[types.TypeDialog] = []
    messages: list[types.TypeMessage] = []
    user_ids: list[int] = []
    chat_ids: list[int] = []
    for entry in page:
        dialogs.append(
            types.Dialog(
                peer=entry.peer,
                top_message=entry.record.id,
                read_inbox_max_id=entry.record.id,
                read_outbox_max_id=0,
                unread_count=0,
                unread_mentions_count=0,
                unread_reactions_count=0,
                unread_poll_votes_count=0,
                notify_settings=types.PeerNotifySettings(),
            )
        )
        if entry.spec is not None:
            messages.append(render.message(world, entry.spec, entry.record))
            chat_ids.append(entry.spec.id)
            users, channels = render.referenced(world, [entry.record])
            user_ids += users
            chat_ids += channels
        else:
            assert entry.person_index is not None
            messages.append(render.dialog_message(world, entry.person_index, entry.record))
            user_ids.append(world.person(entry.person_index).id)
    chats = ctx.chats(chat_ids)
    users = ctx.users(user_ids)
    if start == 0 and len(entries) <= limit:
        return types.messages.Dialogs(dialogs=dialogs, messages=messages, chats=chats, users=users)
    return types.messages.DialogsSlice(
        count=len(entries), dialogs=dialogs, messages=messages, chats=chats, users=users
    )
