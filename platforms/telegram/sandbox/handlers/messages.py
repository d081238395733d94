"""messages.getHistory, messages.getReplies (comments), channels.getMessages,
messages.getDiscussionMessage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from telethon.tl import functions, types

from .. import render
from ..communities import CommunitySpec, Kind
from ..content import History, MessageRecord
from .context import Context, RpcFail
from .registry import handles
from .resolve import peer, readable_channel

PAGE_MAX = 100


def _offset_date(value: datetime | None) -> datetime | None:
    # TL has no null date: "no offset" arrives as the Unix epoch.
    return value if value is not None and value.timestamp() > 0 else None


def _page(history: History, request: Any) -> list[MessageRecord]:
    return history.page(
        offset_id=request.offset_id,
        offset_date=_offset_date(request.offset_date),
        add_offset=request.add_offset,
        limit=min(request.limit, PAGE_MAX),
        max_id=request.max_id,
        min_id=request.min_id,
    )


def chat_messages(
    ctx: Context, spec: CommunitySpec, records: Sequence[MessageRecord], total: int
) -> types.messages.ChannelMessages | types.messages.MessagesSlice:
    world = ctx.world
    user_ids, channel_ids = render.referenced(world, records)
    chat_ids = [spec.id, *channel_ids]
    if spec.linked and any(r.fwd_post is not None for r in records):
        chat_ids.append(world.spec(spec.linked).id)
    messages = [render.message(world, spec, r) for r in records]
    chats = ctx.chats(chat_ids)
    users = ctx.users(user_ids)
    if spec.kind is Kind.BASIC_GROUP:
        return types.messages.MessagesSlice(
            count=total, messages=messages, topics=[], chats=chats, users=users
        )
    return types.messages.ChannelMessages(
        pts=1 + len(world.history(spec)),
        count=total,
        messages=messages,
        topics=[],
        chats=chats,
        users=users,
    )


def _private_chat(ctx: Context, user_id: int, request: Any) -> types.messages.Messages:
    messages = [
        render.dialog_message(ctx.world, index, record)
        for index, record in ctx.world.dialog_messages()
        if ctx.world.person(index).id == user_id
        and (not request.offset_id or record.id < request.offset_id)
    ]
    return types.messages.Messages(
        messages=messages, topics=[], chats=[], users=ctx.users([user_id])
    )


@handles(functions.messages.GetHistoryRequest)
def get_history(ctx: Context, request: functions.messages.GetHistoryRequest) -> Any:
    target = peer(ctx, request.peer)
    if isinstance(target, int):
        return _private_chat(ctx, target, request)
    history = ctx.world.history(target)
    return chat_messages(ctx, target, _page(history, request), len(history))


@handles(functions.messages.GetRepliesRequest)
def get_replies(ctx: Context, request: functions.messages.GetRepliesRequest) -> Any:
    target = peer(ctx, request.peer)
    if isinstance(target, int) or target.kind is Kind.BASIC_GROUP:
        raise RpcFail(400, "MSG_ID_INVALID")
    found = ctx.world.thread(target, request.msg_id)
    if found is None:
        history = ctx.world.history(target)
        if target.kind is Kind.MEGAGROUP and history.get(request.msg_id) is not None:
            return chat_messages(ctx, target, [], 0)  # a group message nobody replied to
        raise RpcFail(400, "MSG_ID_INVALID")  # e.g. a channel with comments disabled
    discussion, thread = found
    comments = ctx.world.history(discussion).select(thread.comment_ids)
    return chat_messages(ctx, discussion, _page(comments, request), len(comments))


@handles(functions.channels.GetMessagesRequest)
def get_channel_messages(ctx: Context, request: functions.channels.GetMessagesRequest) -> Any:
    spec = readable_channel(ctx, request.channel)
    history = ctx.world.history(spec)
    records: list[MessageRecord] = []
    missing: dict[int, int] = {}  # position -> requested id
    for position, item in enumerate(request.id):
        record = history.get(item.id) if isinstance(item, types.InputMessageID) else None
        if record is None:
            missing[position] = item.id if isinstance(item, types.InputMessageID) else 0
        else:
            records.append(record)
    answer = chat_messages(ctx, spec, records, len(request.id))
    found = iter(answer.messages)
    answer.messages = [
        types.MessageEmpty(id=missing[i], peer_id=render.peer_of(spec))
        if i in missing
        else next(found)
        for i in range(len(request.id))
    ]
    return answer


@handles(functions.messages.GetDiscussionMessageRequest)
def get_discussion_message(
    ctx: Context, request: functions.messages.GetDiscussionMessageRequest
) -> types.messages.DiscussionMessage:
    target = peer(ctx, request.peer)
    found = None if isinstance(target, int) else ctx.world.thread(target, request.msg_id)
    if found is None:
        raise RpcFail(400, "MSG_ID_INVALID")
    discussion, thread = found
    root = ctx.world.history(discussion).get(thread.root_id)
    assert root is not None
    last = thread.comment_ids[-1] if thread.comment_ids else None
    chat_ids = [discussion.id] + (
        [ctx.world.spec(discussion.linked).id] if discussion.linked else []
    )
    return types.messages.DiscussionMessage(
        messages=[render.message(ctx.world, discussion, root)],
        unread_count=0,
        chats=ctx.chats(chat_ids),
        users=[],
        max_id=last,
        read_inbox_max_id=last,
        read_outbox_max_id=last,
    )
