"""World records -> real `telethon.tl.types` objects, as Telegram would send them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from telethon.tl import types

from .accounts import SandboxAccount, account_for_user_id
from .communities import Access, CommunitySpec, Kind
from .content import MessageRecord
from .people import Person, Status
from .world import World

_FULL_RIGHTS = types.ChatAdminRights(
    change_info=True,
    post_messages=True,
    edit_messages=True,
    delete_messages=True,
    ban_users=True,
    invite_users=True,
    pin_messages=True,
    add_admins=True,
    manage_call=True,
    other=True,
)
_ADMIN_RIGHTS = types.ChatAdminRights(
    change_info=True,
    delete_messages=True,
    ban_users=True,
    invite_users=True,
    pin_messages=True,
    manage_call=True,
    other=True,
)


def full_rights() -> types.ChatAdminRights:
    return _FULL_RIGHTS


def admin_rights() -> types.ChatAdminRights:
    return _ADMIN_RIGHTS


def _status(person: Person) -> types.TypeUserStatus | None:
    match person.status:
        case Status.ONLINE:
            return types.UserStatusOnline(expires=person.was_online)
        case Status.OFFLINE:
            return types.UserStatusOffline(was_online=person.was_online)
        case Status.RECENTLY:
            return types.UserStatusRecently()
        case Status.LAST_WEEK:
            return types.UserStatusLastWeek()
        case Status.LAST_MONTH:
            return types.UserStatusLastMonth()
        case Status.EMPTY:
            return types.UserStatusEmpty()
    return None


def person_user(person: Person) -> types.User:
    if person.is_deleted:
        return types.User(id=person.id, deleted=True, access_hash=person.access_hash)
    return types.User(
        id=person.id,
        access_hash=person.access_hash,
        bot=person.is_bot or None,
        bot_info_version=1 if person.is_bot else None,
        bot_nochats=None,
        premium=person.premium or None,
        verified=person.verified or None,
        scam=person.scam or None,
        fake=person.fake or None,
        first_name=person.first_name,
        last_name=person.last_name,
        username=person.username,
        phone=person.phone,
        status=_status(person),
        lang_code=person.lang_code,
    )


def account_access_hash(world: World, account: SandboxAccount) -> int:
    return world.dice.signed64("account-access-hash", account.user_id)


def account_user(world: World, account: SandboxAccount, *, is_self: bool) -> types.User:
    return types.User(
        id=account.user_id,
        is_self=is_self or None,
        access_hash=account_access_hash(world, account),
        first_name=account.first_name,
        last_name=account.last_name,
        # Telegram shows your own phone; other accounts hide theirs.
        phone=account.phone if is_self else None,
        status=types.UserStatusOnline(expires=world.now + timedelta(minutes=5)),
        lang_code="en",
    )


def user_by_id(world: World, user_id: int, *, self_id: int | None = None) -> types.User | None:
    account = account_for_user_id(user_id)
    if account is not None:
        return account_user(world, account, is_self=user_id == self_id)
    person = world.person_by_id(user_id)
    return person_user(person) if person else None


def user_access_hash(world: World, user_id: int) -> int | None:
    account = account_for_user_id(user_id)
    if account is not None:
        return account_access_hash(world, account)
    person = world.person_by_id(user_id)
    return person.access_hash if person else None


def peer_of(spec: CommunitySpec) -> types.TypePeer:
    if spec.kind is Kind.BASIC_GROUP:
        return types.PeerChat(chat_id=spec.id)
    return types.PeerChannel(channel_id=spec.id)


def chat(world: World, spec: CommunitySpec, *, member: bool) -> types.TypeChat:
    """The chat as this account sees it (`member` drives `left`)."""
    if spec.kind is Kind.BASIC_GROUP:
        return types.Chat(
            id=spec.id,
            title=spec.title,
            photo=types.ChatPhotoEmpty(),
            participants_count=world.member_count(spec),
            date=world.created(spec),
            version=1,
            left=None if member else True,
        )
    megagroup = spec.kind is Kind.MEGAGROUP
    if spec.access is Access.BANNED:
        return types.ChannelForbidden(
            id=spec.id,
            access_hash=world.access_hash(spec),
            title=spec.title,
            broadcast=None if megagroup else True,
            megagroup=megagroup or None,
        )
    return types.Channel(
        id=spec.id,
        title=spec.title,
        photo=types.ChatPhotoEmpty(),
        date=world.created(spec),
        left=None if member else True,
        broadcast=None if megagroup else True,
        megagroup=megagroup or None,
        has_link=bool(spec.linked) or None,
        access_hash=world.access_hash(spec),
        username=spec.username,
        participants_count=world.member_count(spec),
        # What tells a client it may list a channel's subscribers (the account is an admin).
        admin_rights=_ADMIN_RIGHTS if world.accounts_are_admins(spec) else None,
    )


def from_peer(world: World, record: MessageRecord) -> types.TypePeer | None:
    if record.from_user is not None:
        return types.PeerUser(user_id=world.person(record.from_user).id)
    if record.from_channel is not None:
        return types.PeerChannel(channel_id=record.from_channel)
    return None


def _replies(
    world: World, spec: CommunitySpec, record: MessageRecord
) -> types.MessageReplies | None:
    found = world.thread(spec, record.id)
    if found is None:
        return None
    discussion, thread = found
    last = thread.comment_ids[-1] if thread.comment_ids else None
    content = world.channel_content(world.spec(discussion.linked or ""))
    recent: list[types.TypePeer] = []
    assert content.discussion is not None
    for comment_id in reversed(thread.comment_ids[-3:]):
        comment = content.discussion.get(comment_id)
        peer = from_peer(world, comment) if comment else None
        if peer is not None:
            recent.append(peer)
    return types.MessageReplies(
        replies=len(thread.comment_ids),
        replies_pts=10_000 + (last or thread.root_id),
        # On the channel post, `comments` says this is a comment section in another chat.
        comments=True if spec.kind is Kind.BROADCAST else None,
        recent_repliers=recent or None,
        channel_id=discussion.id if spec.kind is Kind.BROADCAST else None,
        max_id=last,
    )


_ACTIONS = ("channel_create", "chat_add_user", "pin")


def message(world: World, spec: CommunitySpec, record: MessageRecord) -> types.TypeMessage:
    peer = peer_of(spec)
    sender = from_peer(world, record)
    reply_to = None
    if record.reply_to is not None:
        reply_to = types.MessageReplyHeader(
            reply_to_msg_id=record.reply_to, reply_to_top_id=record.reply_top
        )
    if record.action is not None:
        if record.action == "channel_create":
            action: types.TypeMessageAction = types.MessageActionChannelCreate(title=record.text)
        elif record.action == "chat_add_user":
            user = world.person(record.from_user or 0)
            action = types.MessageActionChatAddUser(users=[user.id])
        elif record.action == "pin":
            action = types.MessageActionPinMessage()
        else:
            raise ValueError(f"unknown action {record.action!r}; known {_ACTIONS}")
        return types.MessageService(
            id=record.id,
            peer_id=peer,
            date=record.date,
            action=action,
            from_id=sender,
            reply_to=reply_to,
            post=True if spec.kind is Kind.BROADCAST else None,
        )
    fwd_from = None
    if record.fwd_post is not None and spec.linked:
        channel = world.spec(spec.linked)
        post = world.history(channel).get(record.fwd_post)
        fwd_from = types.MessageFwdHeader(
            date=post.date if post else record.date,
            from_id=types.PeerChannel(channel_id=channel.id),
            channel_post=record.fwd_post,
            saved_from_peer=types.PeerChannel(channel_id=channel.id),
            saved_from_msg_id=record.fwd_post,
        )
    replies = None
    if record.post or record.fwd_post is not None:
        replies = _replies(world, spec, record)
    return types.Message(
        id=record.id,
        peer_id=peer,
        date=record.date,
        message=record.text,
        from_id=sender,
        reply_to=reply_to,
        post=record.post or None,
        views=record.views,
        forwards=(record.views // 100) if record.views else None,
        fwd_from=fwd_from,
        replies=replies,
    )


def referenced(world: World, records: Iterable[MessageRecord]) -> tuple[list[int], list[int]]:
    """(user ids, channel ids) the messages mention, for the answer's users/chats lists."""
    users: dict[int, None] = {}
    channels: dict[int, None] = {}
    for record in records:
        if record.from_user is not None:
            users[world.person(record.from_user).id] = None
        if record.from_channel is not None:
            channels[record.from_channel] = None
    return list(users), list(channels)


def dialog_message(world: World, person_index: int, record: MessageRecord) -> types.Message:
    """A message in the account's private chat with a person (incoming)."""
    user = types.PeerUser(user_id=world.person(person_index).id)
    return types.Message(
        id=record.id, peer_id=user, date=record.date, message=record.text, from_id=user
    )
