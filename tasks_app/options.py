"""A task's settings: what users may ask for, checked once at creation."""

from __future__ import annotations

from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from platforms.base import Filters, ParseOptions

SOURCES = ("members", "commenters", "authors")
FILTER_FLAGS = ("skip_bots", "skip_deleted", "only_with_username", "only_with_phone")
KNOWN_KEYS = {"user_limit", "message_limit", "sources", "filters", "full_profile", "join"}
MESSAGE_LIMIT_MAX = 1_000_000


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({name: f"{name} must be a whole number."})
    try:
        number = int(value)
    except ValueError:
        raise ValidationError({name: f"{name} must be a whole number."}) from None
    if not low <= number <= high:
        raise ValidationError({name: f"{name} must be between {low:,} and {high:,}."})
    return number


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValidationError({name: f"{name} must be true or false."})


def clean_settings(raw: Any) -> dict[str, Any]:
    """Return normalised settings or raise ValidationError with readable messages."""
    if raw in (None, ""):
        raw = {}
    if not isinstance(raw, dict):
        raise ValidationError({"settings": "settings must be an object."})
    unknown = sorted(set(raw) - KNOWN_KEYS)
    if unknown:
        raise ValidationError(
            {
                "settings": f"Unknown setting(s): {', '.join(unknown)}. "
                f"Known: {', '.join(sorted(KNOWN_KEYS))}."
            }
        )
    limit_max = django_settings.TASK_USER_LIMIT_MAX
    cleaned: dict[str, Any] = {
        "user_limit": _int(
            raw.get("user_limit", django_settings.TASK_USER_LIMIT_DEFAULT),
            "user_limit",
            1,
            limit_max,
        )
    }
    if raw.get("message_limit") not in (None, ""):
        cleaned["message_limit"] = _int(raw["message_limit"], "message_limit", 1, MESSAGE_LIMIT_MAX)
    sources = raw.get("sources") or []
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or any(s not in SOURCES for s in sources):
        raise ValidationError({"sources": f"sources may contain only: {', '.join(SOURCES)}."})
    if sources:
        cleaned["sources"] = [s for s in SOURCES if s in sources]
    filters = raw.get("filters") or {}
    if not isinstance(filters, dict):
        raise ValidationError({"filters": "filters must be an object."})
    unknown = sorted(set(filters) - set(FILTER_FLAGS) - {"last_seen_within_days"})
    if unknown:
        raise ValidationError({"filters": f"Unknown filter(s): {', '.join(unknown)}."})
    clean_filters: dict[str, Any] = {
        flag: _bool(filters[flag], flag) for flag in FILTER_FLAGS if flag in filters
    }
    if filters.get("last_seen_within_days") not in (None, ""):
        clean_filters["last_seen_within_days"] = _int(
            filters["last_seen_within_days"], "last_seen_within_days", 1, 3650
        )
    if clean_filters:
        cleaned["filters"] = clean_filters
    for flag in ("full_profile", "join"):
        if flag in raw:
            cleaned[flag] = _bool(raw[flag], flag)
    return cleaned


def parse_options(task_settings: dict[str, Any]) -> ParseOptions:
    filters = task_settings.get("filters", {})
    return ParseOptions(
        user_limit=int(task_settings.get("user_limit", 100)),
        message_limit=task_settings.get("message_limit"),
        sources=tuple(task_settings.get("sources", ())),
        filters=Filters(
            skip_bots=filters.get("skip_bots", False),
            skip_deleted=filters.get("skip_deleted", False),
            only_with_username=filters.get("only_with_username", False),
            only_with_phone=filters.get("only_with_phone", False),
            last_seen_within_days=filters.get("last_seen_within_days"),
        ),
        full_profile=bool(task_settings.get("full_profile", False)),
        join=bool(task_settings.get("join", False)),
    )
