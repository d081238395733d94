"""Turning Telethon's users into person records, exactly as Telegram shows them."""

from __future__ import annotations

from datetime import UTC, datetime

from telethon.tl import types

from platforms.base import Filters, Person

# How many days back each of Telegram's coarse "last seen" buckets may reach.
_BUCKET_DAYS = {"online": 0, "recently": 3, "last week": 7, "last month": 30}


def utc_now() -> datetime:
    """The clock the last-seen filter measures against (tests pin it to the sandbox's now)."""
    return datetime.now(UTC)


def last_seen(status: types.TypeUserStatus | None) -> str:
    """Telegram's last-seen bucket, or the exact time when Telegram shows it."""
    if isinstance(status, types.UserStatusOnline):
        return "online"
    if isinstance(status, types.UserStatusOffline):
        return status.was_online.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(status, types.UserStatusRecently):
        return "recently"
    if isinstance(status, types.UserStatusLastWeek):
        return "last week"
    if isinstance(status, types.UserStatusLastMonth):
        return "last month"
    if isinstance(status, types.UserStatusEmpty):
        return "long ago"
    return "unknown"  # bots and accounts Telegram shows no status for


def seen_within_days(bucket: str, *, now: datetime | None = None) -> float | None:
    """At most how many days ago the person was seen; None when unknown or long ago."""
    if bucket in _BUCKET_DAYS:
        return _BUCKET_DAYS[bucket]
    try:
        when = datetime.strptime(bucket, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return max(((now or utc_now()) - when).total_seconds(), 0.0) / 86400


def role_of(participant: object | None) -> tuple[str, str]:
    """(role, admin rank) from a participant record."""
    if isinstance(participant, (types.ChannelParticipantCreator, types.ChatParticipantCreator)):
        return "creator", getattr(participant, "rank", None) or ""
    if isinstance(participant, (types.ChannelParticipantAdmin, types.ChatParticipantAdmin)):
        return "admin", getattr(participant, "rank", None) or ""
    if participant is None:
        return "", ""
    return "member", ""


def display_name(user: types.User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part).strip()


def person_from_user(user: types.User, *, source: str, participant: object | None = None) -> Person:
    role, rank = role_of(participant)
    joined = getattr(participant, "date", None)
    metadata: dict[str, object] = {
        "is_bot": bool(user.bot),
        "is_deleted": bool(user.deleted),
        "is_premium": bool(user.premium),
        "is_verified": bool(user.verified),
        "is_scam": bool(user.scam),
        "is_fake": bool(user.fake),
        "last_seen": last_seen(user.status),
        "lang_code": user.lang_code or "",
        "role": role,
        "source": source,
    }
    if rank:
        metadata["admin_rank"] = rank
    return Person(
        platform_id=str(user.id),
        username=user.username or _first_active_username(user),
        display_name=display_name(user),
        # Only what Telegram shows this account: User.phone is filled when the
        # person's privacy settings allow it. Nothing else is a phone source.
        phone=user.phone or None,
        joined_at=joined if isinstance(joined, datetime) else None,
        metadata=metadata,
    )


def _first_active_username(user: types.User) -> str:
    for item in user.usernames or []:
        if item.active:
            return item.username
    return ""


def rejection(user: types.User, filters: Filters, *, now: datetime | None = None) -> str | None:
    """Why the task's filters leave this person out (a short noun phrase used as the
    coverage's skip key, e.g. "bots"), or None to keep them."""
    if filters.skip_bots and user.bot:
        return "bots"
    if filters.skip_deleted and user.deleted:
        return "deleted accounts"
    if filters.only_with_username and not (user.username or _first_active_username(user)):
        return "people without a username"
    if filters.only_with_phone and not user.phone:
        return "people without a visible phone"
    if filters.last_seen_within_days is not None:
        # Coarse buckets count as their widest reach (recently = 3 days, last week = 7,
        # last month = 30); "long ago" and no status at all never pass.
        days = seen_within_days(last_seen(user.status), now=now)
        if days is None or days > filters.last_seen_within_days:
            return f"people not seen within {filters.last_seen_within_days} days"
    return None
