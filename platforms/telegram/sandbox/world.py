"""The deterministic sandbox world: people, communities, their members and messages.

Everything is derived from `seed`, so every process (web, workers, tests) that builds
`World(seed)` sees the same world without sharing anything. Mutable facts (who joined what,
who is banned, which one-off events happened) live in a `SandboxState`, not here.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .communities import (
    DIALOG_PEOPLE,
    LISTING_CAP,
    OUTSIDER_WINDOW,
    PERSONAS,
    SPECS,
    Access,
    Behaviour,
    CommunitySpec,
    DiscussionMembers,
    Kind,
    Listing,
    MemberRange,
)
from .content import ChannelContent, History, MessageRecord, Thread, channel_content, group_history
from .dice import Dice
from .people import POOL_SIZE, Person, index_for_user_id, index_for_username, make_person

DEFAULT_SEED = "parsing-service-sandbox-v1"
# The world's "now". Fixed so that generated dates never drift between runs.
WORLD_NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
HISTORY_SPAN = timedelta(days=180)
ADMIN_RANKS = ("moderator", "admin", None, "support", None, "editor")


@dataclass(frozen=True, slots=True)
class Roles:
    creator: int  # member position
    admins: tuple[int, ...]  # member positions, creator excluded

    def role_of(self, position: int) -> str:
        if position == self.creator:
            return "creator"
        return "admin" if position in self.admins else "member"


@dataclass(frozen=True, slots=True)
class Community:
    """Public description of a sample community and what the sandbox will show for it."""

    key: str
    kind: Kind
    id: int  # bare id (types.Channel.id / types.Chat.id)
    peer_id: int  # Telethon's marked id: -100<id> for channels, -<id> for basic groups
    title: str
    username: str | None
    invite_hash: str | None
    link: str  # how a person would paste it ("" when it is only reachable via another chat)
    access: Access
    listing: Listing
    behaviour: Behaviour | None
    participants_count: int  # what GetFullChannel / GetFullChat report
    listed_count: (
        int  # how many members GetParticipants (or GetFullChat) lists to a sandbox account
    )
    admins_count: int  # admins including the creator
    linked: str | None  # key of the linked channel / discussion group
    post_ids: tuple[int, ...]  # channel posts (not the "channel created" service message)
    expected_commenters: int | None  # distinct people commenting (channels with comments)
    expected_authors: int | None  # distinct people in the history (groups)


class World:
    def __init__(self, seed: str = DEFAULT_SEED) -> None:
        self.seed = seed
        self.secret = hashlib.sha256(b"telegram-sandbox:" + seed.encode("utf-8")).digest()
        self.dice = Dice(self.secret)
        self.now = WORLD_NOW
        self.specs: tuple[CommunitySpec, ...] = SPECS
        self.personas: tuple[CommunitySpec, ...] = PERSONAS
        every = SPECS + PERSONAS
        self._by_key = {s.key: s for s in every}
        self._by_id = {s.id: s for s in every}
        self._by_username = {s.username.lower(): s for s in every if s.username}
        self._by_invite = {s.invite_hash: s for s in every if s.invite_hash}
        self.person = functools.lru_cache(maxsize=32_768)(self._make_person)
        self._search = functools.lru_cache(maxsize=256)(self._search_positions)
        self._history: dict[str, History] = {}
        self._content: dict[str, ChannelContent] = {}
        self._members: dict[str, tuple[int, ...]] = {}
        self._roles: dict[str, Roles] = {}

    # --- people -------------------------------------------------------------------------

    def _make_person(self, index: int) -> Person:
        return make_person(self.dice, self.now, index)

    def person_by_id(self, user_id: int) -> Person | None:
        index = index_for_user_id(user_id)
        return self.person(index) if index else None

    def person_by_username(self, username: str) -> Person | None:
        index = index_for_username(username.lower())
        if index is None:
            return None
        person = self.person(index)
        if person.username and person.username.lower() == username.lower():
            return person
        return None

    # --- communities --------------------------------------------------------------------

    def spec(self, key: str) -> CommunitySpec:
        try:
            return self._by_key[key]
        except KeyError:
            raise KeyError(f"no sandbox community {key!r}; see World.communities") from None

    def spec_by_id(self, chat_id: int) -> CommunitySpec | None:
        return self._by_id.get(chat_id)

    def spec_by_username(self, username: str) -> CommunitySpec | None:
        return self._by_username.get(username.lower())

    def spec_by_invite(self, invite_hash: str) -> CommunitySpec | None:
        return self._by_invite.get(invite_hash)

    def access_hash(self, spec: CommunitySpec) -> int:
        return self.dice.signed64("channel-access-hash", spec.id)

    def created(self, spec: CommunitySpec) -> datetime:
        days = 1_300 + self.dice.u64("created", spec.key) % 400
        return self.now - timedelta(days=days)

    def member_count(self, spec: CommunitySpec) -> int:
        if isinstance(spec.members, MemberRange):
            return spec.members.count
        return len(self._explicit_members(spec))

    def member_index(self, spec: CommunitySpec, position: int) -> int:
        """The person index of the member at `position` (0-based)."""
        if isinstance(spec.members, MemberRange):
            if not 0 <= position < spec.members.count:
                raise IndexError(position)
            return spec.members.start + position
        return self._explicit_members(spec)[position]

    def _explicit_members(self, spec: CommunitySpec) -> tuple[int, ...]:
        if spec.key not in self._members:
            members = spec.members
            assert isinstance(members, DiscussionMembers)
            channel = self.spec(members.channel)
            commenters = self.channel_content(channel).commenters
            taken = set(commenters)
            rng = self.dice.rng("lurkers", spec.key)
            lurkers: list[int] = []
            count = self.member_count(channel)
            while len(lurkers) < members.lurkers:
                index = self.member_index(channel, rng.randrange(count))
                if index not in taken:
                    taken.add(index)
                    lurkers.append(index)
            self._members[spec.key] = tuple(commenters) + tuple(lurkers)
        return self._members[spec.key]

    def roles(self, spec: CommunitySpec) -> Roles:
        """Creator and admins: the first humans from position 20 on (the hand-written people
        at the start of sandbox_group_1k stay plain members)."""
        if spec.key not in self._roles:
            count = self.member_count(spec)
            picked: list[int] = []
            position = min(20, count - 1)
            while len(picked) < spec.admins + 1 and position < count:
                person = self.person(self.member_index(spec, position))
                if not person.is_bot and not person.is_deleted:
                    picked.append(position)
                position += 1
            self._roles[spec.key] = Roles(creator=picked[0], admins=tuple(picked[1:]))
        return self._roles[spec.key]

    def admin_rank(self, spec: CommunitySpec, position: int) -> str | None:
        admins = self.roles(spec).admins
        return ADMIN_RANKS[admins.index(position) % len(ADMIN_RANKS)]

    def join_date(self, spec: CommunitySpec, position: int) -> datetime:
        created = self.created(spec)
        span = (self.now - created).total_seconds()
        return created + timedelta(seconds=int(self.dice.unit("join", spec.key, position) * span))

    def accounts_are_admins(self, spec: CommunitySpec) -> bool:
        """Every sandbox account is an admin here (and so a member). The accounts are not
        among the generated members: the chat's member count and lists are its people."""
        return spec.listing is Listing.ALL_TO_ADMINS

    def is_fixed_member(self, spec: CommunitySpec) -> bool:
        """Every sandbox account is a member by construction (not by joining): the private
        chats it is in, and the chats it administers. Such a membership cannot be left."""
        return spec.access is Access.MEMBER or self.accounts_are_admins(spec)

    def listed_positions(self, spec: CommunitySpec) -> Sequence[int]:
        """The member positions GetParticipants lists to a sandbox account, in order."""
        if spec.kind is Kind.BASIC_GROUP:
            return range(self.member_count(spec))
        if spec.listing in (Listing.ALL, Listing.ALL_TO_ADMINS):
            return range(min(self.member_count(spec), LISTING_CAP))
        if spec.listing is Listing.ADMINS_ONLY:
            roles = self.roles(spec)
            return (roles.creator, *roles.admins)
        return ()

    def search_positions(self, spec: CommunitySpec, query: str) -> tuple[int, ...]:
        """Members whose first name, last name or username has a word starting with `query`
        (Telegram searches all members, not just the listed 10,000; at most 10,000 results)."""
        return self._search(spec.key, query.casefold())

    def _search_positions(self, key: str, query: str) -> tuple[int, ...]:
        spec = self.spec(key)
        found: list[int] = []
        for position in range(self.member_count(spec)):
            if _matches(self.person(self.member_index(spec, position)), query):
                found.append(position)
                if len(found) >= LISTING_CAP:
                    break
        return tuple(found)

    # --- content -------------------------------------------------------------------------

    def _window(self, spec: CommunitySpec) -> tuple[datetime, datetime]:
        end = self.now - timedelta(days=spec.quiet_days, minutes=30)
        return end - HISTORY_SPAN, end

    def _channel_senders(self, spec: CommunitySpec) -> list[int]:
        # The chat itself (an anonymous admin) and the personas.
        return [spec.id] + [p.id for p in self.personas]

    def channel_content(self, spec: CommunitySpec) -> ChannelContent:
        if spec.kind is not Kind.BROADCAST or spec.posts is None:
            raise ValueError(f"{spec.key} is not a channel with posts")
        if spec.key not in self._content:
            rng = self.dice.rng("posts", spec.key)
            count = self.member_count(spec)
            outsiders = spec.posts.outsiders

            def pool(k: int) -> list[int]:
                people = [
                    self.member_index(spec, p) for p in rng.sample(range(count), k - outsiders)
                ]
                if not outsiders:
                    return people  # (no extra draws: the other channels stay as they were)
                # People who comment without subscribing (they left, or only joined the
                # discussion group), so that commenters and subscribers overlap only partly.
                assert isinstance(spec.members, MemberRange)
                end = spec.members.start + spec.members.count
                people += rng.sample(range(end, end + OUTSIDER_WINDOW), outsiders)
                rng.shuffle(people)
                return people

            start, end = self._window(spec)
            self._content[spec.key] = channel_content(
                rng,
                spec.posts,
                spec.id,
                spec.title,
                pool,
                [spec.id] + [p.id for p in self.personas if p.id != spec.id],
                start,
                end,
            )
        return self._content[spec.key]

    def history(self, spec: CommunitySpec) -> History:
        """Every message of the chat, as messages.GetHistory pages through them."""
        if spec.key in self._history:
            return self._history[spec.key]
        if spec.kind is Kind.BROADCAST:
            history = self.channel_content(spec).posts
        elif isinstance(spec.members, DiscussionMembers):
            discussion = self.channel_content(self.spec(spec.members.channel)).discussion
            assert discussion is not None
            history = discussion
        elif spec.history is None:
            history = History([])
        else:
            rng = self.dice.rng("history", spec.key)
            # Authors are drawn from the members Telegram lists: past LISTING_CAP the 10,000
            # listed members then hold every author, so a full collection is exactly those
            # 10,000 (the history fallback only adds "authors" to their rows). Within the cap
            # the listed positions are every member, so those groups' draws are unchanged.
            candidates: Sequence[int] = range(self.member_count(spec))
            if spec.listing is Listing.ALL:
                candidates = self.listed_positions(spec)
            positions = rng.sample(candidates, spec.history.authors)
            authors = [self.member_index(spec, p) for p in positions]
            start, end = self._window(spec)
            history = group_history(
                rng, spec.history, authors, self._channel_senders(spec), start, end
            )
        self._history[spec.key] = history
        return history

    def thread(self, spec: CommunitySpec, message_id: int) -> tuple[CommunitySpec, Thread] | None:
        """The comment thread of a channel post (or of its root in the discussion group):
        (discussion group spec, thread)."""
        if spec.kind is Kind.BROADCAST and spec.linked and spec.posts and spec.posts.comments:
            thread = self.channel_content(spec).threads.get(message_id)
            return (self.spec(spec.linked), thread) if thread else None
        if isinstance(spec.members, DiscussionMembers):
            thread = self.channel_content(self.spec(spec.members.channel)).thread_for_root(
                message_id
            )
            return (spec, thread) if thread else None
        return None

    def dialog_messages(self) -> list[tuple[int, MessageRecord]]:
        """(person index, message) of each private chat every sandbox account has; message ids
        grow with time, the newest chat is about an hour old, one every 4 hours before it."""
        out: list[tuple[int, MessageRecord]] = []
        for j in range(DIALOG_PEOPLE.count):
            index = DIALOG_PEOPLE.start + j
            when = self.now - timedelta(hours=1 + 4 * j)
            text = self.dice.choice(("Hi!", "Are you there?", "Thanks!", "See you"), "dm", j)
            out.append((index, MessageRecord(DIALOG_PEOPLE.count - j, when, text, from_user=index)))
        return out

    # --- expectations (what a correct collector must find) ---------------------------------

    def expected_commenter_ids(self, key: str, post_id: int | None = None) -> frozenset[int]:
        """User ids of the distinct people commenting under channel `key` (all posts, or one).
        Comments posted in a channel's name are not people and are not included."""
        spec = self.spec(key)
        content = self.channel_content(spec)
        if content.discussion is None:
            return frozenset()
        posts = [post_id] if post_id is not None else list(content.threads)
        ids: set[int] = set()
        for post in posts:
            thread = content.threads.get(post)
            if thread is None:
                continue
            for comment_id in thread.comment_ids:
                record = content.discussion.get(comment_id)
                if record is not None and record.from_user is not None:
                    ids.add(self.person(record.from_user).id)
        return frozenset(ids)

    def expected_author_ids(self, key: str) -> frozenset[int]:
        """User ids of the distinct people who sent messages in `key`'s history (service
        messages come from people who also wrote; channel-sent messages are not people)."""
        history = self.history(self.spec(key))
        return frozenset(
            self.person(r.from_user).id for r in history.records if r.from_user is not None
        )

    def expected_listed_user_ids(self, key: str) -> frozenset[int]:
        """User ids that GetParticipants (GetFullChat for a basic group) lists to an account."""
        spec = self.spec(key)
        return frozenset(
            self.person(self.member_index(spec, p)).id for p in self.listed_positions(spec)
        )

    def member_user_ids(self, key: str) -> Iterator[int]:
        """Every member's user id, listed or not (lazily: 100,000 for sandbox_group_100k)."""
        spec = self.spec(key)
        for position in range(self.member_count(spec)):
            yield self.person(self.member_index(spec, position)).id

    def post_ids(self, key: str) -> tuple[int, ...]:
        spec = self.spec(key)
        return tuple(r.id for r in self.channel_content(spec).posts.records if r.post)

    @functools.cached_property
    def communities(self) -> tuple[Community, ...]:
        return tuple(self.community(s.key) for s in self.specs)

    def community(self, key: str) -> Community:
        spec = self.spec(key)
        channel = spec.kind is not Kind.BASIC_GROUP
        broadcast = spec.kind is Kind.BROADCAST
        post_ids = self.post_ids(key) if broadcast else ()
        commenters = None
        if broadcast and spec.posts and spec.posts.comments:
            commenters = len(self.expected_commenter_ids(key))
        authors = None if broadcast else len(self.expected_author_ids(key))
        if spec.username:
            link = f"https://t.me/{spec.username}"
        elif spec.access is Access.INVITE:
            link = f"https://t.me/+{spec.invite_hash}"
        elif spec.access is Access.MEMBER and spec.kind is Kind.BASIC_GROUP:
            link = f"https://t.me/+{spec.invite_hash}"
        elif spec.access is Access.MEMBER:
            link = f"https://t.me/c/{spec.id}" + (f"/{post_ids[-1]}" if post_ids else "")
        else:
            link = ""
        listed = 0 if spec.access is Access.BANNED else len(self.listed_positions(spec))
        return Community(
            key=spec.key,
            kind=spec.kind,
            id=spec.id,
            peer_id=int(f"-100{spec.id}") if channel else -spec.id,
            title=spec.title,
            username=spec.username,
            invite_hash=spec.invite_hash,
            link=link,
            access=spec.access,
            listing=spec.listing,
            behaviour=spec.behaviour,
            participants_count=self.member_count(spec),
            listed_count=listed,
            admins_count=1 + len(self.roles(spec).admins),
            linked=spec.linked,
            post_ids=post_ids,
            expected_commenters=commenters,
            expected_authors=authors,
        )

    def describe_markdown(self) -> str:
        """A README table of every sample community and the numbers a collector must get."""
        lines = [
            "| Community | Kind | Open with | participants_count | Listed to an account "
            "| Distinct commenters | Distinct history authors | Special behaviour |",
            "|---|---|---|---:|---:|---:|---:|---|",
        ]
        for c in self.communities:
            spec = self.spec(c.key)
            opened = c.link or f"linked chat of `{c.linked}`"
            listed = {
                Listing.ALL: f"{c.listed_count:,}",
                Listing.ADMINS_ONLY: f"{c.listed_count} (admins only)",
                Listing.ADMIN_REQUIRED: "CHAT_ADMIN_REQUIRED",
                Listing.ALL_TO_ADMINS: f"{c.listed_count:,} (to its admins)",
            }[c.listing]
            if c.access is Access.BANNED:
                listed = "CHANNEL_PRIVATE"
            lines.append(
                f"| `{c.key}` | {c.kind.value} | {opened} | {c.participants_count:,} | {listed} "
                f"| {_num(c.expected_commenters)} | {_num(c.expected_authors)} "
                f"| {_behaviour(self, spec, c)} |"
            )
        lines += [
            "",
            "Invite `SandboxExpired` answers INVITE_HASH_EXPIRED, any other unknown hash "
            "INVITE_HASH_INVALID. Accounts: `+99966NNNNN` (n = 1..99999), login code `22222`; "
            "`+999662NNNN` have two-step verification with password `sandbox-2fa`.",
        ]
        return "\n".join(lines)


def _num(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _behaviour(world: World, spec: CommunitySpec, c: Community) -> str:
    notes = []
    if spec.behaviour is Behaviour.FLOOD_ONCE:
        notes.append("FLOOD_WAIT_600 once, on the first request for a second members page")
    if spec.behaviour is Behaviour.BAN_ONCE:
        notes.append("USER_DEACTIVATED_BAN for the first account that reads it (once)")
    if spec.listing is Listing.ADMINS_ONLY:
        notes.append("participants_hidden")
    if c.participants_count > LISTING_CAP and spec.listing is Listing.ALL:
        notes.append(f"only the first {LISTING_CAP:,} members are listed")
        if c.expected_authors and world.expected_author_ids(c.key) <= (
            world.expected_listed_user_ids(c.key)
        ):
            notes.append(f"its {c.expected_authors:,} history authors are all listed members")
    if world.accounts_are_admins(spec):
        notes.append("every sandbox account is an admin (Channel.admin_rights)")
    if c.expected_commenters:
        outside = world.expected_commenter_ids(c.key) - world.expected_listed_user_ids(c.key)
        if outside and world.accounts_are_admins(spec):
            notes.append(
                f"{c.expected_commenters - len(outside)} commenters are subscribers, "
                f"{len(outside)} are not"
            )
    if spec.kind is Kind.BROADCAST and spec.posts and not spec.posts.comments:
        notes.append("comments disabled: GetReplies answers MSG_ID_INVALID")
    if spec.access is Access.BANNED:
        notes.append("resolves to ChannelForbidden")
    if spec.access is Access.INVITE:
        notes.append("CHANNEL_PRIVATE until joined with ImportChatInvite")
    if spec.access is Access.MEMBER and spec.kind is Kind.BROADCAST:
        notes.append("GetChannels with access_hash 0 answers CHANNEL_INVALID; in GetDialogs")
    if spec.kind is Kind.BASIC_GROUP:
        notes.append("members via messages.GetFullChat")
    return "; ".join(notes) or "—"


def _matches(person: Person, query: str) -> bool:
    if not query:
        return True
    for text in (person.first_name, person.last_name, person.username):
        if not text:
            continue
        folded = text.casefold()
        if folded.startswith(query) or any(w.startswith(query) for w in folded.split()):
            return True
    return False


@functools.cache
def get_world(seed: str = DEFAULT_SEED) -> World:
    """The shared world for `seed` (built once per process; building is cheap and lazy)."""
    return World(seed)


__all__ = ["POOL_SIZE", "Community", "Roles", "World", "get_world", "DEFAULT_SEED", "WORLD_NOW"]
