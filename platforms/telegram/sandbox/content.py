"""Messages of the sandbox world: group histories, channel posts and comment threads.

Content is generated once per community (a few thousand records at most) from a private,
seeded `random.Random`, then cached by the world. Records are plain data; `render.py` turns
them into TL objects for a request.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .communities import HistorySpec, PostsSpec

ActionKind = str  # "channel_create" | "chat_add_user" | "pin"

PHRASES = (
    "Hello everyone!",
    "Does anyone know how to fix this?",
    "Thanks, that helped.",
    "Привет всем!",
    "Great post 👍",
    "I disagree, see the docs.",
    "=SUM(1,2)",
    "+1",
    "-1 from me",
    "@admin please check",
    "Where can I find the rules?",
    "Sounds good.\nSee you tomorrow.",
    'Quote: "it depends", as always',
    "lol",
    "مرحبا",
    "Guten Tag!",
    "¿Alguien sabe la respuesta?",
    "Interesting, thanks for sharing",
)
POST_TITLES = (
    "Weekly digest",
    "Release notes",
    "Event announcement",
    "Survey results",
    "Photo of the day",
    "Ask me anything",
    "Behind the scenes",
    "Monthly report",
    "New feature",
    "Q&A recap",
)


@dataclass(frozen=True, slots=True)
class MessageRecord:
    id: int
    date: datetime
    text: str = ""
    from_user: int | None = None  # person index
    from_channel: int | None = None  # bare channel id (a persona, or the chat itself)
    action: ActionKind | None = None
    reply_to: int | None = None  # id of the message replied to, in the same chat
    reply_top: int | None = None  # thread root when replying inside a comment thread
    post: bool = False  # a broadcast channel post
    views: int | None = None
    fwd_post: int | None = None  # discussion-group root: the channel post it mirrors
    thread_post: int | None = None  # comment: the channel post it belongs to


@dataclass(frozen=True, slots=True)
class Thread:
    post_id: int
    root_id: int  # the post's copy in the discussion group
    comment_ids: tuple[int, ...]


class History:
    """A chat's messages in ascending id order, with the paging Telegram does on them."""

    def __init__(self, records: Sequence[MessageRecord]) -> None:
        self.records: tuple[MessageRecord, ...] = tuple(sorted(records, key=lambda r: r.id))
        self._ids = [r.id for r in self.records]
        self._by_id = {r.id: r for r in self.records}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, message_id: int) -> MessageRecord | None:
        return self._by_id.get(message_id)

    @property
    def last(self) -> MessageRecord | None:
        return self.records[-1] if self.records else None

    def select(self, ids: Sequence[int]) -> History:
        return History([self._by_id[i] for i in ids if i in self._by_id])

    def page(
        self,
        *,
        offset_id: int = 0,
        offset_date: datetime | None = None,
        add_offset: int = 0,
        limit: int = 100,
        max_id: int = 0,
        min_id: int = 0,
    ) -> list[MessageRecord]:
        """Newest first, like messages.getHistory / getReplies.

        Skip to the first message older than `offset_id` (or, without one, than
        `offset_date`), move by `add_offset` (negative = towards newer messages, which is how
        Telethon pages in reverse), take `limit`, and keep max_id > id > min_id.
        """
        ids = self._ids
        lo = bisect.bisect_right(ids, min_id) if min_id else 0
        hi = bisect.bisect_left(ids, max_id) if max_id else len(ids)
        hi = max(hi, lo)
        if offset_id:
            # the messages with id >= offset_id come before the offset
            start = hi - max(bisect.bisect_left(ids, offset_id, lo, hi), lo)
        elif offset_date is not None:
            start = sum(1 for r in self.records[lo:hi] if r.date >= offset_date)
        else:
            start = 0
        start += add_offset
        end = start + max(limit, 0)
        start, end = max(start, 0), max(end, 0)
        # newest_first[k] is records[hi - 1 - k]
        first, last = hi - end, hi - start
        return list(reversed(self.records[max(first, lo) : max(last, lo)]))


@dataclass
class ChannelContent:
    posts: History
    discussion: History | None = None
    threads: dict[int, Thread] = field(default_factory=dict)  # post id -> thread
    commenters: tuple[int, ...] = ()  # person indices, each commented at least once

    def thread_for_root(self, root_id: int) -> Thread | None:
        return next((t for t in self.threads.values() if t.root_id == root_id), None)


def _times(rng: random.Random, n: int, start: datetime, end: datetime) -> list[datetime]:
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=int(rng.random() * span)) for _ in range(n))


def group_history(
    rng: random.Random,
    spec: HistorySpec,
    authors: Sequence[int],
    channel_senders: Sequence[int],
    start: datetime,
    end: datetime,
) -> History:
    """`spec.messages` texts from exactly the given authors (each at least once), service
    messages by those same authors, and messages sent as one of `channel_senders`."""
    if len(authors) != spec.authors:
        raise ValueError("need exactly spec.authors authors")
    senders = list(authors) + [rng.choice(authors) for _ in range(spec.messages - spec.authors)]
    rng.shuffle(senders)
    items: list[tuple[str, int]] = [("text", a) for a in senders]
    for _ in range(spec.service):
        items.insert(rng.randrange(len(items) + 1), ("service", rng.choice(authors)))
    for _ in range(spec.as_channel):
        items.insert(rng.randrange(len(items) + 1), ("channel", rng.choice(channel_senders)))
    records: list[MessageRecord] = []
    for number, ((what, who), when) in enumerate(
        zip(items, _times(rng, len(items), start, end), strict=True), start=1
    ):
        reply_to = rng.randrange(1, number) if number > 1 and rng.random() < 0.15 else None
        if what == "text":
            records.append(
                MessageRecord(number, when, rng.choice(PHRASES), from_user=who, reply_to=reply_to)
            )
        elif what == "service":
            # "X joined" (ChatAddUser of themselves) or "X pinned a message": both name only
            # the sender, who also wrote a text message, so no extra person appears.
            if number > 1 and rng.random() < 0.5:
                records.append(
                    MessageRecord(
                        number, when, from_user=who, action="pin", reply_to=rng.randrange(1, number)
                    )
                )
            else:
                records.append(MessageRecord(number, when, from_user=who, action="chat_add_user"))
        else:
            records.append(
                MessageRecord(
                    number, when, rng.choice(PHRASES), from_channel=who, reply_to=reply_to
                )
            )
    return History(records)


def channel_content(
    rng: random.Random,
    spec: PostsSpec,
    channel_id: int,
    title: str,
    commenter_pool: Callable[[int], list[int]],
    channel_senders: Sequence[int],
    start: datetime,
    end: datetime,
) -> ChannelContent:
    """Posts (id 1 is the "channel created" service message) and, with comments, the
    discussion group's messages: one root per post (its automatic copy) and the comments.

    `commenter_pool(k)` returns k distinct person indices.
    """
    post_times = _times(rng, spec.posts, start + timedelta(hours=1), end - timedelta(days=3))
    records = [MessageRecord(1, start, action="channel_create", text=title)]
    for number, when in enumerate(post_times, start=2):
        text = f"{rng.choice(POST_TITLES)} #{number - 1}"
        records.append(
            MessageRecord(number, when, text, post=True, views=rng.randrange(100, 50_000))
        )
    posts = History(records)
    if not spec.comments:
        return ChannelContent(posts=posts)

    post_ids = [r.id for r in records if r.post]
    silent = set(rng.sample(post_ids, spec.silent_posts))
    open_posts = [p for p in post_ids if p not in silent]
    # Uneven popularity: a few posts collect most comments (and need several pages).
    weights = [1.0 / (rank + 1) for rank in range(len(open_posts))]
    rng.shuffle(weights)
    commenters = commenter_pool(spec.commenters)

    def pick_post() -> int:
        return rng.choices(open_posts, weights)[0]

    authored: list[tuple[int, int | None, int | None]] = []  # (post, user, channel)
    authored += [(pick_post(), person, None) for person in commenters]
    authored += [(pick_post(), rng.choice(commenters), None) for _ in range(spec.extra_comments)]
    authored += [
        (pick_post(), None, rng.choice(channel_senders)) for _ in range(spec.channel_comments)
    ]

    by_post = {r.id: r for r in records}
    events: list[tuple[datetime, int, int, int | None, int | None]] = []
    for post_id in post_ids:  # roots first, 2 s after the post
        events.append((by_post[post_id].date + timedelta(seconds=2), 0, post_id, None, None))
    for order, (post_id, user, channel) in enumerate(authored, start=1):
        delay = min(rng.expovariate(1 / (6 * 3600)), 3 * 86400 - 60)
        when = by_post[post_id].date + timedelta(seconds=10 + int(delay))
        events.append((when, order, post_id, user, channel))
    events.sort(key=lambda e: (e[0], e[1]))

    discussion: list[MessageRecord] = []
    roots: dict[int, int] = {}
    comments: dict[int, list[int]] = {p: [] for p in post_ids}
    for number, (when, order, post_id, user, channel) in enumerate(events, start=1):
        if order == 0:
            roots[post_id] = number
            # The automatic copy of the post, sent by the channel itself.
            discussion.append(
                MessageRecord(
                    number, when, by_post[post_id].text, from_channel=channel_id, fwd_post=post_id
                )
            )
            continue
        earlier = comments[post_id]
        nested = bool(earlier) and rng.random() < 0.2
        discussion.append(
            MessageRecord(
                number,
                when,
                rng.choice(PHRASES),
                from_user=user,
                from_channel=channel,
                reply_to=rng.choice(earlier) if nested else roots[post_id],
                reply_top=roots[post_id] if nested else None,
                thread_post=post_id,
            )
        )
        earlier.append(number)
    threads = {p: Thread(p, roots[p], tuple(comments[p])) for p in post_ids}
    return ChannelContent(
        posts=posts, discussion=History(discussion), threads=threads, commenters=tuple(commenters)
    )
