"""The fixed catalogue of sandbox communities.

Names, ids and counts here are a contract: other engineers, the README and the service's own
tests rely on them. Change a number only together with everything that quotes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    MEGAGROUP = "megagroup"  # types.Channel(megagroup=True), "supergroup"
    BROADCAST = "broadcast"  # types.Channel(broadcast=True), "channel"
    BASIC_GROUP = "basic_group"  # types.Chat


class Access(StrEnum):
    PUBLIC = "public"  # has a username; anyone can read it
    LINKED = "linked"  # no username, readable because it is a public channel's discussion group
    INVITE = "invite"  # private; readable after messages.ImportChatInvite (membership in state)
    MEMBER = "member"  # private; every sandbox account is already a member
    BANNED = "banned"  # public, but every sandbox account is banned: ChannelForbidden


class Listing(StrEnum):
    """What channels.GetParticipants shows a sandbox account."""

    ALL = "all"  # every member, up to LISTING_CAP
    ADMINS_ONLY = "admins_only"  # ChannelFull.participants_hidden: only admins are listed
    ADMIN_REQUIRED = "admin_required"  # CHAT_ADMIN_REQUIRED (broadcast channels and the like)
    # Every sandbox account is an admin of the chat (Channel.admin_rights is set), and admins
    # are shown every member up to LISTING_CAP: a channel's subscribers included.
    ALL_TO_ADMINS = "all_to_admins"


class Behaviour(StrEnum):
    FLOOD_ONCE = "flood_once"  # FLOOD_WAIT_600 once, to the first request for a second page
    BAN_ONCE = "ban_once"  # deactivates the first account that reads it


# Telegram lists at most this many members of a supergroup; `count` still says the real size.
LISTING_CAP = 10_000


@dataclass(frozen=True, slots=True)
class MemberRange:
    """Members are the people with indices start .. start + count - 1, in that order."""

    start: int
    count: int


@dataclass(frozen=True, slots=True)
class DiscussionMembers:
    """A discussion group's members: every commenter of `channel`, then `lurkers` more of the
    channel's subscribers who never comment."""

    channel: str
    lurkers: int


@dataclass(frozen=True, slots=True)
class HistorySpec:
    """A group's history: `messages` text messages from EXACTLY `authors` distinct members,
    plus `service` service messages (sent by some of those same authors, so they never add a
    person) and `as_channel` messages sent on behalf of a channel (from_id=PeerChannel)."""

    messages: int
    authors: int
    service: int = 0
    as_channel: int = 0


@dataclass(frozen=True, slots=True)
class PostsSpec:
    """A broadcast channel's posts. With comments, EXACTLY `commenters` distinct people comment
    overall (each at least once), `extra_comments` more comments come from the same people,
    `channel_comments` are posted in a channel's name (not people), and `silent_posts` posts
    have a comment section with no comments."""

    posts: int
    comments: bool = True
    commenters: int = 0
    extra_comments: int = 0
    channel_comments: int = 0
    silent_posts: int = 0
    # Of the `commenters`, this many are not subscribers (they left, or only joined the
    # discussion group): people from just past the channel's member range.
    outsiders: int = 0


@dataclass(frozen=True, slots=True)
class CommunitySpec:
    key: str  # stable name; equals the username for public communities
    kind: Kind
    id: int  # bare TL id (types.Channel.id / types.Chat.id)
    title: str
    about: str
    members: MemberRange | DiscussionMembers
    access: Access = Access.PUBLIC
    username: str | None = None
    invite_hash: str | None = None
    listing: Listing = Listing.ALL
    admins: int = 3  # admins besides the creator
    linked: str | None = None  # key of the linked channel / discussion group
    behaviour: Behaviour | None = None
    history: HistorySpec | None = None
    posts: PostsSpec | None = None
    persona: bool = False  # a channel that only exists to post comments in its own name
    # Its newest message is this many days before World.now. The private chats are dated within
    # the last 25 days, so 30 puts a community after all of them in messages.GetDialogs.
    quiet_days: int = 0


EXPIRED_INVITE_HASH = "SandboxExpired"

SPECS: tuple[CommunitySpec, ...] = (
    CommunitySpec(
        key="sandbox_group_1k",
        kind=Kind.MEGAGROUP,
        id=2_100_000_001,
        title="Sandbox Group 1K",
        username="sandbox_group_1k",
        about="1,000 members incl. bots, deleted accounts and formula-injection names.",
        members=MemberRange(1, 1_000),
        admins=4,
        history=HistorySpec(messages=300, authors=120, service=10, as_channel=5),
    ),
    CommunitySpec(
        key="sandbox_group_100k",
        kind=Kind.MEGAGROUP,
        id=2_100_000_002,
        title="Sandbox Group 100K",
        username="sandbox_group_100k",
        about="100,000 members; Telegram lists only the first 10,000.",
        members=MemberRange(501, 100_000),
        admins=10,
        history=HistorySpec(messages=200, authors=80, service=5, as_channel=2),
    ),
    CommunitySpec(
        key="sandbox_channel",
        kind=Kind.BROADCAST,
        id=2_100_000_003,
        title="Sandbox Channel",
        username="sandbox_channel",
        about="A channel with comments: exactly 300 distinct commenters.",
        members=MemberRange(109_601, 3_000),
        listing=Listing.ADMIN_REQUIRED,
        admins=2,
        linked="sandbox_channel_chat",
        posts=PostsSpec(
            posts=40, commenters=300, extra_comments=600, channel_comments=15, silent_posts=5
        ),
    ),
    CommunitySpec(
        key="sandbox_channel_chat",
        kind=Kind.MEGAGROUP,
        id=2_100_000_004,
        title="Sandbox Channel Chat",
        access=Access.LINKED,
        about="Discussion group of sandbox_channel.",
        members=DiscussionMembers(channel="sandbox_channel", lurkers=100),
        admins=2,
        linked="sandbox_channel",
    ),
    CommunitySpec(
        key="sandbox_hidden",
        kind=Kind.MEGAGROUP,
        id=2_100_000_005,
        title="Sandbox Hidden Members",
        username="sandbox_hidden",
        about="5,000 members, hidden: only admins are listed; 400 distinct history authors.",
        members=MemberRange(100_501, 5_000),
        listing=Listing.ADMINS_ONLY,
        admins=6,
        history=HistorySpec(messages=1_200, authors=400, service=30, as_channel=20),
    ),
    CommunitySpec(
        key="sandbox_quiet",
        kind=Kind.BROADCAST,
        id=2_100_000_006,
        title="Sandbox Quiet Channel",
        username="sandbox_quiet",
        about="A channel without comments.",
        members=MemberRange(112_601, 1_500),
        listing=Listing.ADMIN_REQUIRED,
        admins=1,
        posts=PostsSpec(posts=25, comments=False),
    ),
    CommunitySpec(
        key="sandbox_flood",
        kind=Kind.MEGAGROUP,
        id=2_100_000_007,
        title="Sandbox Flood",
        username="sandbox_flood",
        about="2,000 members; the first request for a second page gets FLOOD_WAIT_600 once.",
        members=MemberRange(105_501, 2_000),
        behaviour=Behaviour.FLOOD_ONCE,
        history=HistorySpec(messages=30, authors=12),
    ),
    CommunitySpec(
        key="sandbox_ban_once",
        kind=Kind.MEGAGROUP,
        id=2_100_000_008,
        title="Sandbox Ban Once",
        username="sandbox_ban_once",
        about="1,000 members; the first account to read it is deactivated (once overall).",
        members=MemberRange(107_501, 1_000),
        behaviour=Behaviour.BAN_ONCE,
        history=HistorySpec(messages=30, authors=12),
    ),
    CommunitySpec(
        key="sandbox_admin_only",
        kind=Kind.MEGAGROUP,
        id=2_100_000_009,
        title="Sandbox Admin Only",
        username="sandbox_admin_only",
        about="800 members listed to admins only; 150 distinct history authors.",
        members=MemberRange(108_501, 800),
        listing=Listing.ADMIN_REQUIRED,
        history=HistorySpec(messages=450, authors=150, service=10, as_channel=5),
    ),
    CommunitySpec(
        key="sandbox_banned",
        kind=Kind.MEGAGROUP,
        id=2_100_000_010,
        title="Sandbox Banned",
        username="sandbox_banned",
        access=Access.BANNED,
        about="Every sandbox account is banned here.",
        members=MemberRange(114_101, 700),
        history=HistorySpec(messages=20, authors=10),
    ),
    CommunitySpec(
        key="sandbox_invite_group",
        kind=Kind.MEGAGROUP,
        id=2_100_000_011,
        title="Sandbox Invite Group",
        access=Access.INVITE,
        invite_hash="SandboxInvite1",
        about="Private group of 300 members, reachable through its invite link.",
        members=MemberRange(109_301, 300),
        history=HistorySpec(messages=60, authors=25, service=3),
    ),
    CommunitySpec(
        key="sandbox_private_channel",
        kind=Kind.BROADCAST,
        id=2_100_000_012,
        title="Sandbox Private Channel",
        access=Access.MEMBER,
        invite_hash="SandboxPrivate1",
        about="Private channel every sandbox account is in; open it via t.me/c/<id>/<post>.",
        members=MemberRange(114_801, 400),
        listing=Listing.ADMIN_REQUIRED,
        admins=1,
        linked="sandbox_private_channel_chat",
        posts=PostsSpec(
            posts=12, commenters=60, extra_comments=80, channel_comments=3, silent_posts=2
        ),
        quiet_days=30,
    ),
    CommunitySpec(
        key="sandbox_private_channel_chat",
        kind=Kind.MEGAGROUP,
        id=2_100_000_013,
        title="Sandbox Private Channel Chat",
        access=Access.MEMBER,
        about="Discussion group of the private channel.",
        members=DiscussionMembers(channel="sandbox_private_channel", lurkers=40),
        admins=1,
        linked="sandbox_private_channel",
        quiet_days=30,
    ),
    CommunitySpec(
        key="sandbox_basic_group",
        kind=Kind.BASIC_GROUP,
        id=420_000_001,
        title="Sandbox Basic Group",
        access=Access.MEMBER,
        invite_hash="SandboxBasic1",
        about="A basic group (types.Chat) of 50 members.",
        members=MemberRange(115_201, 50),
        admins=1,
        history=HistorySpec(messages=40, authors=20, service=2),
    ),
    CommunitySpec(
        key="sandbox_admin_channel",
        kind=Kind.BROADCAST,
        id=2_100_000_014,
        title="Sandbox Admin Channel",
        username="sandbox_admin_channel",
        about="A channel every sandbox account administers: its 300 subscribers are listed.",
        members=MemberRange(115_401, 300),
        listing=Listing.ALL_TO_ADMINS,
        admins=2,
        linked="sandbox_admin_channel_chat",
        posts=PostsSpec(
            posts=10,
            commenters=50,
            outsiders=5,
            extra_comments=70,
            channel_comments=2,
            silent_posts=1,
        ),
    ),
    CommunitySpec(
        key="sandbox_admin_channel_chat",
        kind=Kind.MEGAGROUP,
        id=2_100_000_015,
        title="Sandbox Admin Channel Chat",
        access=Access.LINKED,
        about="Discussion group of sandbox_admin_channel.",
        members=DiscussionMembers(channel="sandbox_admin_channel", lurkers=20),
        admins=1,
        linked="sandbox_admin_channel",
    ),
)

# Channels that post comments in their own name. Their usernames and titles avoid "sandbox" so
# that contacts.Search("sandbox") returns exactly the sample communities.
PERSONAS: tuple[CommunitySpec, ...] = tuple(
    CommunitySpec(
        key=username,
        kind=Kind.BROADCAST,
        id=channel_id,
        title=title,
        username=username,
        about="Comments in its own name.",
        members=MemberRange(start, 120),
        listing=Listing.ADMIN_REQUIRED,
        admins=0,
        persona=True,
        posts=PostsSpec(posts=3, comments=False),
    )
    for username, channel_id, title, start in (
        ("persona_daily_digest", 2_100_000_020, "Daily Digest", 116_001),
        ("persona_city_news", 2_100_000_021, "City News", 116_201),
        ("persona_meme_vault", 2_100_000_022, "Meme Vault", 116_401),
    )
)

# Commenters of a channel who are not its subscribers come from this many people just past
# its member range (sandbox_admin_channel: 115_701 .. 115_800, used by nothing else).
OUTSIDER_WINDOW = 100

# People with whom every sandbox account has a private chat (pads messages.GetDialogs so that
# the private channel is only found on its second page).
DIALOG_PEOPLE = MemberRange(115_251, 150)
