"""Understanding the links people paste.

Telethon's `utils.parse_username` knows `@name`, `t.me/name` and invite links
but not post links (`t.me/name/123`) or private channel links
(`t.me/c/<id>/<post>`), so every form is parsed here, once, into a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from platforms.errors import InvalidTarget

ACCEPTED_FORMS = (
    "@name, name, t.me/name, https://t.me/name, telegram.me/name, "
    "t.me/name/123 (one post's commenters), t.me/c/<id>/<post> (a private channel you are in), "
    "t.me/+HASH or t.me/joinchat/HASH (an invite link)"
)

# Telegram usernames: a letter, then letters, digits and underscores. Telegram
# itself decides about length and reserved names (USERNAME_INVALID), so the
# pattern is deliberately a little wider than its rules.
_NAME = r"[A-Za-z][A-Za-z0-9_]{1,63}"
_HOSTS = r"(?i:(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/)"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("invite", re.compile(_HOSTS + r"(?:\+|joinchat/)(?P<hash>[A-Za-z0-9_-]{4,64})/?$")),
    ("private_post", re.compile(_HOSTS + r"c/(?P<channel>\d{1,15})(?:/(?P<post>\d{1,12}))?/?$")),
    ("post", re.compile(_HOSTS + r"(?:s/)?(?P<name>" + _NAME + r")/(?P<post>\d{1,12})/?$")),
    ("username", re.compile(_HOSTS + r"(?:s/)?(?P<name>" + _NAME + r")/?$")),
    ("username", re.compile(r"@?(?P<name>" + _NAME + r")$")),
    ("invite", re.compile(r"tg://join\?invite=(?P<hash>[A-Za-z0-9_-]{4,64})$")),
    ("username", re.compile(r"tg://resolve\?domain=(?P<name>" + _NAME + r")$")),
]

# Paths of t.me that are not usernames.
_RESERVED = {"joinchat", "addstickers", "share", "proxy", "socks", "c", "s", "addlist"}


@dataclass(frozen=True, slots=True)
class TelegramTarget:
    kind: Literal["username", "post", "private_post", "invite"]
    username: str = ""
    post_id: int | None = None
    channel_id: int | None = None
    invite_hash: str = ""

    @property
    def canonical(self) -> str:
        if self.kind == "username":
            return f"@{self.username}"
        if self.kind == "post":
            return f"https://t.me/{self.username}/{self.post_id}"
        if self.kind == "private_post":
            suffix = f"/{self.post_id}" if self.post_id else ""
            return f"https://t.me/c/{self.channel_id}{suffix}"
        return f"https://t.me/+{self.invite_hash}"


def parse_link(link: str) -> TelegramTarget:
    text = (link or "").strip()
    if not text:
        raise InvalidTarget(f"The link is empty. Accepted forms: {ACCEPTED_FORMS}.")
    # Links copied from Telegram often carry "?single", "?comment=12" or a
    # "#fragment": they do not change which chat or post is meant.
    bare = text if text.startswith("tg://") else re.split(r"[?#]", text, maxsplit=1)[0]
    for kind, pattern in _PATTERNS:
        match = pattern.match(bare)
        if not match:
            continue
        groups = match.groupdict()
        if kind == "invite":
            return TelegramTarget(kind="invite", invite_hash=groups["hash"])
        if kind == "private_post":
            post = int(groups["post"]) if groups.get("post") else None
            return TelegramTarget(
                kind="private_post", channel_id=int(groups["channel"]), post_id=post
            )
        name = groups["name"]
        if name.lower() in _RESERVED:
            break
        if kind == "post":
            return TelegramTarget(kind="post", username=name, post_id=int(groups["post"]))
        return TelegramTarget(kind="username", username=name)
    raise InvalidTarget(
        f'"{text[:100]}" is not a Telegram link this service understands. '
        f"Accepted forms: {ACCEPTED_FORMS}."
    )
