"""The people of the sandbox world, generated lazily by index.

A person is a pure function of (world seed, index): `person(i)` costs one BLAKE2b digest, so a
100,000-member group never builds its members up front. Indices 1..POOL_SIZE exist; user ids are
`USER_ID_BASE + index`, which makes the reverse lookup (id -> index) trivial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .dice import Dice, unit_from

USER_ID_BASE = 7_000_000_000
POOL_SIZE = 120_000


class PersonKind(StrEnum):
    HUMAN = "human"
    BOT = "bot"
    DELETED = "deleted"


class Status(StrEnum):
    """Which `types.UserStatus*` a person shows (None for bots and deleted accounts)."""

    ONLINE = "online"
    OFFLINE = "offline"
    RECENTLY = "recently"
    LAST_WEEK = "last_week"
    LAST_MONTH = "last_month"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Person:
    index: int
    id: int
    access_hash: int
    kind: PersonKind
    first_name: str | None = None
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None  # digits only, as Telegram sends it; None when hidden
    premium: bool = False
    verified: bool = False
    scam: bool = False
    fake: bool = False
    status: Status | None = None
    was_online: datetime | None = None  # for OFFLINE; the expiry moment for ONLINE
    lang_code: str | None = None
    about: str | None = None

    @property
    def is_bot(self) -> bool:
        return self.kind is PersonKind.BOT

    @property
    def is_deleted(self) -> bool:
        return self.kind is PersonKind.DELETED

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


# fmt: off
FIRST_NAMES = (
    "Alice", "Boris", "Chen", "Dmitry", "Elena", "Fatima", "George", "Hana", "Ivan", "Julia",
    "Kenji", "Laura", "Mohammed", "Natalia", "Olga", "Pavel", "Qiang", "Rosa", "Sergei",
    "Tatiana", "Umar", "Vera", "William", "Xenia", "Yusuf", "Zoe", "Анна", "Олег", "Мария",
    "Дмитрий", "Ольга", "Игорь", "Світлана", "李", "王芳", "محمد", "فاطمة", "José", "Zoë",
    "Åsa", "Øyvind", "Nguyễn", "Siobhán", "Jürgen", "Ayşe", "Priya", "Arjun", "Malak",
)
LAST_NAMES = (
    "Smith", "Ivanov", "Petrova", "Müller", "García", "Kowalski", "Nakamura", "Kim", "Li",
    "Rossi", "Dubois", "Novak", "Jensen", "Silva", "Khan", "Öztürk", "Сидоров", "Кузнецова",
    "Шевченко", "王", "أحمد", "O'Connor", "van der Berg", "Nørgaard", "Łukasz", "Ng",
)
USERNAME_ADJECTIVES = (
    "brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "kind", "lucky", "merry",
    "nice", "proud", "quiet", "rapid", "silly", "tidy", "witty", "zesty", "bold", "cosmic",
)
USERNAME_NOUNS = (
    "fox", "owl", "cat", "wolf", "bear", "lynx", "hawk", "otter", "panda", "tiger", "eagle",
    "whale", "crane", "raven", "bison", "koala", "moose", "gecko", "llama", "yak",
)
# fmt: on
BIOS = (
    "Coffee, code and cats.",
    "Photographer 📷 | traveller ✈️",
    "Люблю путешествовать и читать книги.",
    "Opinions are my own.",
    '=HYPERLINK("http://example.invalid","click")',
    "Line one\nLine two",
    'Marketing, growth; "data-driven"',
    "مهندس برمجيات",
    "🌍🌱 climate & community",
    "+7 (999) 000-00-00 — not my real number",
)
LANG_CODES = ("en", "en", "en", "ru", "ru", "de", "es", "uk", "ar", "pt-br")
BOT_NOUNS = ("Helper", "Weather", "Quiz", "Translate", "Music", "Shop", "News", "Poll")

# Hand-written people at the start of the pool. `sandbox_group_1k` lists indices 1..1000, so
# every one of them is a member there: exports must cope with formula injection, line breaks,
# quotes, emoji, right-to-left text and maximum-length names.
FORMULA_NAME = "=cmd|' /C calc'!A0"
_SPECIAL: dict[int, dict[str, object]] = {
    1: {
        "first_name": FORMULA_NAME,
        "last_name": "Formula",
        "username": "formula_cat1",
        "phone": "99988000001",
        "about": "=1+1",
    },
    2: {"first_name": "+SUM(A1:A9)", "last_name": None, "username": None, "phone": None},
    3: {"first_name": "@import", "last_name": "-2+3", "username": "minus_owl3"},
    4: {"first_name": "Line\nBreak", "last_name": "Tab\tName", "username": None},
    5: {
        "first_name": "Maximilian-Alexander-Konstantin-Bartholomew-Fitzgerald-Von-Hohen",
        "last_name": "Wolfeschlegelsteinhausenbergerdorff-Ambrosius-Vandersteen-Z",
        "username": "longest_name_bear5",
    },
    6: {"first_name": "😀 Emoji", "last_name": "🚀🔥", "username": "emoji_fox6"},
    7: {"first_name": "محمد", "last_name": "العربي", "username": None, "lang_code": "ar"},
    8: {"first_name": 'O\'Brien, "Jr"', "last_name": "Smith; DROP TABLE users", "username": None},
    11: {
        "first_name": "Verified",
        "last_name": "Premium",
        "username": "verified_hawk11",
        "premium": True,
        "verified": True,
        "phone": "99988000011",
    },
    12: {"first_name": "Scam", "last_name": "Account", "username": "scam_wolf12", "scam": True},
    13: {"first_name": "Fake", "last_name": "Account", "username": "fake_lynx13", "fake": True},
}
_SPECIAL_BOTS = {9: ("Sandbox Helper Bot", "helper9_bot")}
_SPECIAL_DELETED = {10}

_USERNAME_INDEX = re.compile(r"(\d+)(?:_bot)?$")

_STATUS_TABLE = (  # cumulative probabilities for humans
    (0.05, Status.ONLINE),
    (0.45, Status.OFFLINE),
    (0.70, Status.RECENTLY),
    (0.80, Status.LAST_WEEK),
    (0.90, Status.LAST_MONTH),
    (1.00, Status.EMPTY),
)


def user_id_for(index: int) -> int:
    return USER_ID_BASE + index


def index_for_user_id(user_id: int) -> int | None:
    index = user_id - USER_ID_BASE
    return index if 1 <= index <= POOL_SIZE else None


def index_for_username(username: str) -> int | None:
    """Usernames end with the person's index (``brave_fox123``, ``quiz77_bot``): parse it.

    The caller must still compare with `person(index).username`, since any name with trailing
    digits parses.
    """
    match = _USERNAME_INDEX.search(username)
    if not match:
        return None
    index = int(match.group(1))
    return index if 1 <= index <= POOL_SIZE else None


def make_person(dice: Dice, now: datetime, index: int) -> Person:
    """Generate person `index` (1-based). One digest; its bytes drive every decision."""
    if not 1 <= index <= POOL_SIZE:
        raise ValueError(f"person index {index} outside 1..{POOL_SIZE}")
    raw = dice.digest("person", index, size=48)
    pid = user_id_for(index)
    access_hash = int.from_bytes(raw[40:48], "big", signed=True)

    kind_roll = unit_from(raw, 0)
    if index in _SPECIAL_DELETED or (
        index not in _SPECIAL and index not in _SPECIAL_BOTS and 0.03 <= kind_roll < 0.05
    ):
        # Deleted accounts keep their id and access hash but lose everything else.
        return Person(index=index, id=pid, access_hash=access_hash, kind=PersonKind.DELETED)
    if index in _SPECIAL_BOTS or (index not in _SPECIAL and kind_roll < 0.03):
        if index in _SPECIAL_BOTS:
            name, username = _SPECIAL_BOTS[index]
        else:
            noun = BOT_NOUNS[raw[4] % len(BOT_NOUNS)]
            name, username = f"{noun} Bot", f"{noun.lower()}{index}_bot"
        return Person(
            index=index,
            id=pid,
            access_hash=access_hash,
            kind=PersonKind.BOT,
            first_name=name,
            username=username,
            about=f"I am {name}. Send /start.",
        )

    first = FIRST_NAMES[raw[5] % len(FIRST_NAMES)]
    last = None if unit_from(raw, 6, 2) < 0.15 else LAST_NAMES[raw[8] % len(LAST_NAMES)]
    username = None
    if unit_from(raw, 9, 2) < 0.80:
        adjective = USERNAME_ADJECTIVES[raw[11] % len(USERNAME_ADJECTIVES)]
        noun = USERNAME_NOUNS[raw[12] % len(USERNAME_NOUNS)]
        username = f"{adjective}_{noun}{index}"
    # Telegram shows a phone only when the person's privacy settings allow it.
    phone = f"99988{index:06d}" if unit_from(raw, 13, 2) < 0.25 else None
    premium = unit_from(raw, 15, 2) < 0.08
    flag_roll = unit_from(raw, 17, 2)
    verified = flag_roll < 0.01
    scam = 0.01 <= flag_roll < 0.014
    fake = 0.014 <= flag_roll < 0.018

    status_roll = unit_from(raw, 19, 2)
    status = next(s for limit, s in _STATUS_TABLE if status_roll < limit)
    was_online = None
    if status is Status.ONLINE:
        was_online = now + timedelta(minutes=5)  # UserStatusOnline.expires
    elif status is Status.OFFLINE:
        was_online = now - timedelta(seconds=int.from_bytes(raw[21:24], "big") % (86400 * 60))
    lang_code = LANG_CODES[raw[24] % len(LANG_CODES)] if raw[25] % 5 else None
    about = BIOS[raw[26] % len(BIOS)] if unit_from(raw, 27, 2) < 0.6 else None

    fields: dict[str, object] = {
        "first_name": first,
        "last_name": last,
        "username": username,
        "phone": phone,
        "premium": premium,
        "verified": verified,
        "scam": scam,
        "fake": fake,
        "lang_code": lang_code,
        "about": about,
    }
    fields.update(_SPECIAL.get(index, {}))
    return Person(
        index=index,
        id=pid,
        access_hash=access_hash,
        kind=PersonKind.HUMAN,
        status=status,
        was_online=was_online,
        **fields,  # type: ignore[arg-type]
    )
