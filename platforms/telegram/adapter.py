"""The Telegram adapter: members, commenters and message authors, on Telethon.

It collects only what Telegram shows the logged-in account and says why the
collected number differs from the number Telegram reports. Every Telethon
exception leaves through `translate`, so the job sees either a batch or an
outcome it understands.

A run is a list of stages (members, commenters, authors). Every batch carries
a checkpoint: the stage and its position in it (participants offset; post id
and comment offset; history offset), plus what the coverage needs to stay
right after a resume. A run started from a checkpoint continues exactly there.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from telethon import errors, functions, types

from platforms.base import (
    AccountCredentials,
    Batch,
    Community,
    Coverage,
    ParseOptions,
    PlatformAdapter,
)
from platforms.errors import (
    AccountUnauthorized,
    InvalidQuery,
    PlatformError,
    TargetError,
)
from platforms.telegram.client import PacedTelegramClient, open_client
from platforms.telegram.collector import LIMIT_REASON, Collector
from platforms.telegram.errors import translate
from platforms.telegram.links import TelegramTarget, parse_link

log = logging.getLogger(__name__)

PARTICIPANTS_PAGE = 200  # the most channels.getParticipants returns at once
# Telegram lists at most about this many members of a supergroup, whatever its size.
LISTING_CAP = 10_000
DEFAULT_POST_LIMIT = 200
DEFAULT_HISTORY_LIMIT = 20_000
COMMENT_BATCH = 100
HISTORY_BATCH = 200

SOURCES = ("members", "commenters", "authors")

# Coverage reasons: why what was collected differs from what Telegram reports.
HIDDEN_REASON = "member list hidden"
ADMIN_REASON = "member list requires admin rights"
NOT_SHOWN_REASON = "member list not shown to this account"
LISTING_CAP_REASON = "Telegram lists at most 10,000 members"
SHORT_LISTING_REASON = "Telegram listed fewer members than it reports"
SUBSCRIBERS_REASON = "a channel's subscribers are listed only to its admins"
MESSAGE_LIMIT_REASON = "message limit reached"
CHANNEL_COMMENTS = "comments posted as a channel"

# Task errors: the target cannot give what the task asks for.
BANNED_ERROR = "The account is banned from this chat."
COMMENTS_DISABLED_ERROR = (
    "Comments are disabled on this channel, so it has no commenters to collect."
)
NOT_JOINED_ERROR = (
    'The account is not a member of this private group. Set "join": true in the '
    "task's settings to let the account join it."
)
HIDDEN_ERROR = (
    "This group hides its member list: Telegram shows it only to the group's admins. "
    'Collect its message authors instead ("sources": ["authors"]).'
)
ADMIN_ERROR = (
    "Telegram shows this group's member list only to its admins (admin rights required). "
    'Collect its message authors instead ("sources": ["authors"]).'
)
NOT_SHOWN_ERROR = "Telegram does not show this group's member list to the account."
CHANNEL_SOURCES_ERROR = (
    "Telegram lists a channel's subscribers only to its admins, and a channel has no "
    'message authors besides them: collect its commenters instead ("sources": ["commenters"]).'
)
GROUP_SOURCES_ERROR = "Groups have no commenters; collect members or message authors."

Stage = Callable[[types.TypeChat, Any, dict[str, Any]], AsyncIterator[Batch]]


class TelegramAdapter(PlatformAdapter):
    platform = "telegram"
    title = "Telegram"
    capabilities = frozenset({"parse", "search"})
    min_query_length = 3

    def __init__(self) -> None:
        self.client: PacedTelegramClient | None = None
        self.me: types.User | None = None

    @classmethod
    def normalize_target(cls, link: str) -> str:
        return parse_link(link).canonical

    async def authenticate(self, account: AccountCredentials) -> None:
        try:
            self.client = await open_client(account)
            users = await self.client(functions.users.GetUsersRequest([types.InputUserSelf()]))
        except Exception as exc:
            raise _outcome(exc) from exc
        if not users or not isinstance(users[0], types.User):
            raise AccountUnauthorized("Telegram does not recognise the account's session")
        self.me = users[0]

    async def cleanup(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.disconnect()

    @property
    def request_count(self) -> int:
        return self.client.request_count if self.client else 0

    # --- search -----------------------------------------------------------

    async def search_communities(self, query: str, *, limit: int = 50) -> list[Community]:
        query = (query or "").strip()
        if len(query) < self.min_query_length:
            raise InvalidQuery(
                f"Search needs at least {self.min_query_length} characters; Telegram does not "
                "search for shorter text."
            )
        try:
            found = await self._client(functions.contacts.SearchRequest(q=query, limit=limit))
        except errors.QueryTooShortError as exc:
            raise InvalidQuery("Telegram says this search text is too short.") from exc
        except Exception as exc:
            raise _outcome(exc) from exc
        chats = {chat.id: chat for chat in found.chats}
        communities = []
        for peer in found.results:  # people are results too: only chats are communities
            chat_id = getattr(peer, "channel_id", None) or getattr(peer, "chat_id", None)
            chat = chats.get(chat_id)
            # A forbidden chat (banned, or private) shows no username, link or size.
            if chat is None or isinstance(chat, types.ChannelForbidden | types.ChatForbidden):
                continue
            communities.append(_community(chat))
        return communities

    # --- parsing ----------------------------------------------------------

    async def parse_target(
        self,
        target: str,
        options: ParseOptions,
        *,
        checkpoint: dict[str, Any] | None = None,
        known_ids: frozenset[str] = frozenset(),
    ) -> AsyncIterator[Batch]:
        run = _Run(self._client, options, known_ids, checkpoint or {})
        try:
            async for batch in run.execute(parse_link(target)):
                yield batch
        except PlatformError:
            raise
        except Exception as exc:
            raise _outcome(exc) from exc

    @property
    def _client(self) -> PacedTelegramClient:
        if self.client is None:
            raise AccountUnauthorized("the adapter was used before authenticate()")
        return self.client


def _outcome(exc: BaseException) -> BaseException:
    translated = translate(exc)
    return translated if translated is not None else exc


def _kind(chat: types.TypeChat) -> str:
    if isinstance(chat, types.Channel):
        return "channel" if chat.broadcast else "supergroup"
    return "group"


def _community(chat: types.TypeChat) -> Community:
    username = getattr(chat, "username", None) or ""
    return Community(
        platform_id=str(chat.id),
        title=chat.title,
        username=username,
        link=f"https://t.me/{username}" if username else "",
        kind=_kind(chat),
        participants_count=getattr(chat, "participants_count", None),
        verified=bool(getattr(chat, "verified", False)),
        scam=bool(getattr(chat, "scam", False)),
    )


def _is_admin(chat: types.TypeChat) -> bool:
    return bool(getattr(chat, "creator", False) or getattr(chat, "admin_rights", None))


class _Run:
    """One pass of one task over one target, resumable from a checkpoint."""

    def __init__(
        self,
        client: PacedTelegramClient,
        options: ParseOptions,
        known_ids: frozenset[str],
        checkpoint: dict[str, Any],
    ) -> None:
        self.client = client
        # Telethon sleeps 1 s between history pages for big limits; the
        # account's pacing (PacedTelegramClient) already spaces every request,
        # so one rule governs the request rate instead of two.
        self.wait_time = 0
        self.options = options
        self.checkpoint = dict(checkpoint)
        self.collector = Collector(
            limit=options.user_limit,
            filters=options.filters,
            known_ids=known_ids,
            skipped=checkpoint.get("skipped"),
        )
        self.collector.examined = int(checkpoint.get("processed_users", 0))
        self.coverage = Coverage(reported_total=checkpoint.get("reported_total"))
        self.processed_messages = int(checkpoint.get("processed_messages", 0))
        self.fraction = 0.0
        # Set by the members stage when Telegram did not list everyone.
        self.members_incomplete = bool(checkpoint.get("members_incomplete", False))
        for reason in checkpoint.get("reasons", []):
            self.coverage.add_reason(reason)
        # Set by plan(): whether a refused member list fails the task (nothing
        # else was asked for) or only becomes a coverage reason.
        self.members_alone = False
        self.chat_users: list[types.TypeUser] = []

    # --- plumbing -----------------------------------------------------------

    def batch(self, position: dict[str, Any], fraction: float | None = None) -> Batch:
        if fraction is not None:
            self.fraction = max(self.fraction, min(fraction, 1.0))
        self.collector.apply_to(self.coverage)
        self.checkpoint = {
            **position,
            "processed_messages": self.processed_messages,
            "processed_users": self.collector.examined,
            "members_incomplete": self.members_incomplete,
            "reported_total": self.coverage.reported_total,
            "reasons": list(self.coverage.reasons),
            "skipped": dict(self.collector.skipped),
        }
        records, updates = self.collector.take()
        return Batch(
            records=records,
            updates=updates,
            checkpoint=dict(self.checkpoint),
            processed_messages=self.processed_messages,
            processed_users=self.collector.examined,
            fraction=max(self.fraction, self.collector.count / max(self.options.user_limit, 1)),
            coverage=Coverage(**self.coverage.as_dict()),
        )

    async def enrich(self) -> None:
        """Add bios (GetFullUser) when the task asks for full profiles.

        Runs before the batch is yielded: a FloodWait longer than the sleep
        threshold raises here, the batch is never saved, and the next account
        starts again from the previous checkpoint, so no one is stored without
        the bio the task asked for. Shorter waits Telethon sleeps by itself.
        """
        if not self.options.full_profile:
            return
        for person in self.collector.pending:
            user = self.collector.pending_users.get(person.platform_id)
            if user is None or user.deleted:
                continue
            full = await self.client(functions.users.GetFullUserRequest(user))
            person.metadata["bio"] = full.full_user.about or ""

    # --- resolving the target ----------------------------------------------------

    async def resolve(self, target: TelegramTarget) -> types.TypeChat:
        if target.kind == "invite":
            return await self.resolve_invite(target.invite_hash)
        if target.kind == "private_post":
            return await self.resolve_private(target.channel_id or 0)
        name = f"@{target.username}"
        try:
            found = await self.client(functions.contacts.ResolveUsernameRequest(target.username))
        except errors.UsernameInvalidError as exc:
            raise TargetError(f"{name} is not a valid Telegram username.") from exc
        except errors.UsernameNotOccupiedError as exc:
            raise TargetError(f"No Telegram group or channel is called {name}.") from exc
        peer = found.peer
        if isinstance(peer, types.PeerUser):
            raise TargetError(f"{name} is a person, not a group or channel.")
        chat_id = peer.channel_id if isinstance(peer, types.PeerChannel) else peer.chat_id
        for chat in found.chats:
            if chat.id == chat_id:
                return chat
        raise TargetError(f"Telegram did not return {name}.")

    async def resolve_invite(self, invite_hash: str) -> types.TypeChat:
        invite = await self.client(functions.messages.CheckChatInviteRequest(invite_hash))
        if isinstance(invite, types.ChatInviteAlready | types.ChatInvitePeek):
            return invite.chat
        if not self.options.join:
            raise TargetError(NOT_JOINED_ERROR)
        try:
            updates = await self.client(functions.messages.ImportChatInviteRequest(invite_hash))
        except errors.UserAlreadyParticipantError:
            # Joined in the meantime (e.g. by an earlier run of this task that
            # stopped right after): the invite now shows the chat itself.
            invite = await self.client(functions.messages.CheckChatInviteRequest(invite_hash))
            if isinstance(invite, types.ChatInviteAlready | types.ChatInvitePeek):
                return invite.chat
            raise TargetError("Telegram did not let the account join this group.") from None
        chats = getattr(updates, "chats", [])
        if not chats:
            raise TargetError("Telegram did not let the account join this group.")
        return chats[0]

    async def resolve_private(self, channel_id: int) -> types.TypeChat:
        try:
            return await self.client.get_entity(types.PeerChannel(channel_id))
        except (ValueError, errors.ChannelInvalidError, errors.ChannelPrivateError):
            pass
        # A private channel is reachable only through the account's own
        # dialogs (an access hash Telegram gave this account).
        async for dialog in self.client.iter_dialogs():
            if isinstance(dialog.entity, types.Channel) and dialog.entity.id == channel_id:
                return dialog.entity
        raise TargetError(
            "The account is not a member of this private channel, so its link cannot be opened."
        )

    async def full_info(self, chat: types.TypeChat) -> Any:
        if isinstance(chat, types.Channel):
            result = await self.client(functions.channels.GetFullChannelRequest(chat))
        else:
            result = await self.client(functions.messages.GetFullChatRequest(chat.id))
            # A basic group's members come with its full info: no second request.
            self.chat_users = list(result.users)
        return result.full_chat

    # --- the plan ------------------------------------------------------------------

    async def execute(self, target: TelegramTarget) -> AsyncIterator[Batch]:
        if self.checkpoint.get("stage") == "done" and "reported_total" in self.checkpoint:
            # Everything was collected; only the task's completion was lost
            # (e.g. the worker died right after saving the last batch).
            yield self.batch({"stage": "done"}, fraction=1.0)
            return
        chat = await self.resolve(target)
        if isinstance(chat, types.ChannelForbidden | types.ChatForbidden):
            raise TargetError(BANNED_ERROR)
        full = await self.full_info(chat)
        self.coverage.reported_total = getattr(full, "participants_count", None)
        if self.coverage.reported_total is None and isinstance(chat, types.Chat):
            self.coverage.reported_total = chat.participants_count

        stages = self.plan(target, chat)
        self.members_alone = [name for name, _ in stages] == ["members"]
        start = self.checkpoint.get("stage")
        names = [name for name, _ in stages]
        begin = names.index(start) if start in names else 0
        for index, (name, stage) in enumerate(stages[begin:], start=begin):
            if name == "authors" and not self.authors_wanted():
                continue
            position = self.checkpoint if index == begin and start == name else {}
            async for batch in stage(chat, full, position):
                yield batch
            if self.collector.full:
                break
        await self.enrich()
        yield self.batch({"stage": "done"}, fraction=1.0)

    def plan(self, target: TelegramTarget, chat: types.TypeChat) -> list[tuple[str, Stage]]:
        requested = set(self.options.sources)
        broadcast = isinstance(chat, types.Channel) and chat.broadcast
        if target.post_id is not None:
            # A post link asks for that post's commenters, whatever the sources say.
            self.coverage.add_reason(f"only the commenters of post {target.post_id} are collected")
            return [("commenters", self.post_commenters(target.post_id))]
        stages: list[tuple[str, Stage]] = []
        if broadcast:
            if not requested or "commenters" in requested:
                stages.append(("commenters", self.commenters))
            if not _is_admin(chat):
                # Said whether or not subscribers were asked for: it is why a
                # channel's commenters are far fewer than its subscribers.
                self.coverage.add_reason(SUBSCRIBERS_REASON)
            elif not requested or "members" in requested:
                stages.append(("members", self.members))
            if not stages:
                raise TargetError(CHANNEL_SOURCES_ERROR)
            return stages
        if requested and not requested & {"members", "authors"}:
            raise TargetError(GROUP_SOURCES_ERROR)
        if not requested or "members" in requested:
            stages.append(("members", self.members))
        if not requested or "authors" in requested:
            stages.append(("authors", self.authors))
        return stages

    def authors_wanted(self) -> bool:
        # Explicitly asked for, or the fallback when Telegram did not list
        # every member (hidden, capped at 10,000, or admins only).
        return "authors" in self.options.sources or self.members_incomplete

    def members_refused(self, reason: str, failure: str) -> None:
        """Telegram will not list the members: fail if nothing else was asked for,
        otherwise record why and let the authors stage stand in."""
        if self.members_alone:
            raise TargetError(failure)
        self.coverage.add_reason(reason)
        self.members_incomplete = True

    # --- sources ---------------------------------------------------------------------

    async def members(
        self, chat: types.TypeChat, full: Any, position: dict[str, Any]
    ) -> AsyncIterator[Batch]:
        if isinstance(chat, types.Chat):
            async for batch in self.basic_group_members(full):
                yield batch
            return
        if getattr(full, "participants_hidden", False) and not _is_admin(chat):
            # Non-admins see only the admins of such a group: not a member list.
            self.members_refused(HIDDEN_REASON, HIDDEN_ERROR)
            return
        # Raw channels.GetParticipants rather than client.iter_participants:
        # the checkpoint needs the participants offset, and iter_participants
        # cannot start at one. The requests are the ones iter_participants
        # sends (ChannelParticipantsSearch(''), 200 a page, stop on an empty
        # page), so Telegram sees the same traffic; what Telethon would call
        # `.total` is the chat's participants_count we compare with.
        offset = int(position.get("offset", 0))
        reported = self.coverage.reported_total or 0
        listable = min(reported, LISTING_CAP)  # progress: the most Telegram will list
        request = functions.channels.GetParticipantsRequest(
            channel=chat,
            filter=types.ChannelParticipantsSearch(""),
            offset=offset,
            limit=PARTICIPANTS_PAGE,
            hash=0,
        )
        while not self.collector.full:
            request.offset = offset
            try:
                page = await self.client(request)
            except errors.ChatAdminRequiredError:
                page = None
            if page is None:
                self.members_refused(ADMIN_REASON, ADMIN_ERROR)
                return
            if isinstance(page, types.channels.ChannelParticipantsNotModified) or not page.users:
                self.listing_ended(offset, reported)
                return
            users = {user.id: user for user in page.users}
            for participant in page.participants:
                if isinstance(
                    participant, types.ChannelParticipantLeft | types.ChannelParticipantBanned
                ):
                    continue  # people who left, were kicked or restricted are not members
                user = users.get(participant.user_id)
                if isinstance(user, types.User):
                    self.collector.offer(user, source="members", participant=participant)
            offset += len(page.participants)
            await self.enrich()
            yield self.batch(
                {"stage": "members", "offset": offset},
                fraction=offset / listable if listable else None,
            )
        if offset < reported:
            # The limit stopped us while Telegram may list more; when the
            # list simply ended at the limit, nobody was left out.
            self.coverage.add_reason(LIMIT_REASON)

    def listing_ended(self, offset: int, reported: int) -> None:
        if offset >= reported:
            return
        if reported > LISTING_CAP:
            # Telegram's own cap: the rest can only be found through messages.
            self.coverage.add_reason(LISTING_CAP_REASON)
            self.members_incomplete = True
        else:
            # Counts lag behind leaves and deletions a little; not worth a
            # history walk, but said.
            self.coverage.add_reason(SHORT_LISTING_REASON)

    async def basic_group_members(self, full: Any) -> AsyncIterator[Batch]:
        participants = getattr(full, "participants", None)
        if not isinstance(participants, types.ChatParticipants):
            self.members_refused(NOT_SHOWN_REASON, NOT_SHOWN_ERROR)
            return
        users = {user.id: user for user in self.chat_users}
        for participant in participants.participants:
            user = users.get(participant.user_id)
            if isinstance(user, types.User):
                self.collector.offer(user, source="members", participant=participant)
        await self.enrich()
        yield self.batch(
            {"stage": "members", "offset": len(participants.participants)}, fraction=1.0
        )

    async def authors(
        self, chat: types.TypeChat, full: Any, position: dict[str, Any]
    ) -> AsyncIterator[Batch]:
        limit = self.options.message_limit or DEFAULT_HISTORY_LIMIT
        scanned = int(position.get("scanned", 0))
        offset_id = int(position.get("offset_id", 0))
        last_id = offset_id
        since_batch = 0
        stopped_early = False
        async for message in self.client.iter_messages(
            chat, limit=max(limit - scanned, 0), offset_id=offset_id, wait_time=self.wait_time
        ):
            scanned += 1
            self.processed_messages += 1
            since_batch += 1
            last_id = message.id
            # Service messages ("X joined") name people who also wrote, or
            # who only joined: neither is an author. Messages sent in a
            # channel's name have a Channel as sender: not a person.
            sender = message.sender
            if isinstance(message, types.Message) and isinstance(sender, types.User):
                self.collector.offer(sender, source="authors")
            if self.collector.full:
                stopped_early = True
                break
            if since_batch >= HISTORY_BATCH:
                since_batch = 0
                await self.enrich()
                yield self.batch(
                    {"stage": "authors", "offset_id": last_id, "scanned": scanned},
                    fraction=scanned / limit,
                )
        if scanned >= limit:
            self.coverage.add_reason(MESSAGE_LIMIT_REASON)
        if stopped_early:
            self.coverage.add_reason(LIMIT_REASON)
        await self.enrich()
        yield self.batch({"stage": "authors", "offset_id": last_id, "scanned": scanned})

    async def commenters(
        self, chat: types.TypeChat, full: Any, position: dict[str, Any]
    ) -> AsyncIterator[Batch]:
        if not getattr(full, "linked_chat_id", None):
            raise TargetError(COMMENTS_DISABLED_ERROR)
        post_limit = self.options.message_limit or DEFAULT_POST_LIMIT
        posts_done = int(position.get("posts_done", 0))
        resume_post = position.get("post_id")
        resume_comment = int(position.get("comment_offset_id", 0))
        # Newest first; a checkpoint inside a thread re-reads its post (offset
        # one above it) and continues the thread from the comment offset.
        offset_id = int(resume_post) + 1 if resume_post else int(position.get("after_post", 0))
        async for post in self.client.iter_messages(
            chat,
            limit=max(post_limit - posts_done, 0),
            offset_id=offset_id,
            wait_time=self.wait_time,
        ):
            self.processed_messages += 1
            comment_offset = resume_comment if resume_post and post.id == int(resume_post) else 0
            replies = getattr(post, "replies", None)
            if replies and replies.replies:
                async for batch in self.thread(
                    chat, post.id, comment_offset, posts_done, post_limit
                ):
                    yield batch
                if self.collector.full:
                    self.coverage.add_reason(LIMIT_REASON)
                    return
            posts_done += 1
            yield self.batch(
                {"stage": "commenters", "after_post": post.id, "posts_done": posts_done},
                fraction=posts_done / post_limit,
            )
        if posts_done >= post_limit:
            self.coverage.add_reason(MESSAGE_LIMIT_REASON)

    def post_commenters(self, post_id: int) -> Stage:
        async def stage(
            chat: types.TypeChat, full: Any, position: dict[str, Any]
        ) -> AsyncIterator[Batch]:
            if isinstance(chat, types.Channel) and chat.broadcast and not full.linked_chat_id:
                raise TargetError(COMMENTS_DISABLED_ERROR)
            offset = int(position.get("comment_offset_id", 0))
            async for batch in self.thread(chat, post_id, offset, 0, 1):
                yield batch
            if self.collector.full:
                self.coverage.add_reason(LIMIT_REASON)

        return stage

    async def thread(
        self, chat: types.TypeChat, post_id: int, offset_id: int, posts_done: int, post_limit: int
    ) -> AsyncIterator[Batch]:
        since_batch = 0
        last_id = offset_id
        try:
            async for comment in self.client.iter_messages(
                chat, reply_to=post_id, offset_id=offset_id, wait_time=self.wait_time
            ):
                self.processed_messages += 1
                since_batch += 1
                last_id = comment.id
                # message.sender is filled from the answer's users and chats;
                # get_sender() would wrongly re-fetch it from the channel.
                sender = comment.sender
                if isinstance(sender, types.User):
                    self.collector.offer(sender, source="commenters")
                elif isinstance(comment.from_id, types.PeerChannel):
                    self.collector.skip(CHANNEL_COMMENTS)
                if self.collector.full:
                    break
                if since_batch >= COMMENT_BATCH:
                    since_batch = 0
                    await self.enrich()
                    yield self.batch(
                        {
                            "stage": "commenters",
                            "post_id": post_id,
                            "comment_offset_id": last_id,
                            "posts_done": posts_done,
                        },
                        fraction=posts_done / post_limit,
                    )
        except errors.MsgIdInvalidError as exc:
            if post_limit == 1:
                raise TargetError(
                    "This post has no comments: comments are disabled or the post does not exist."
                ) from exc
            # A deleted post among many: skip it, the others still count.
            log.info("post %s has no comment thread", post_id)
        await self.enrich()
        yield self.batch(
            {
                "stage": "commenters",
                "post_id": post_id,
                "comment_offset_id": last_id,
                "posts_done": posts_done,
            }
        )
