"""Which platforms exist and where their adapters live.

An explicit mapping of name to dotted path, imported on first use (like
healthchecks' integrations): adding a platform is one line here, and importing
the registry never imports Telethon or any other platform library.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from platforms.base import PlatformAdapter
from platforms.errors import PlatformNotAvailable, UnknownPlatform

ADAPTERS: dict[str, str] = {
    "telegram": "platforms.telegram.adapter.TelegramAdapter",
    "instagram": "platforms.instagram.adapter.InstagramAdapter",
    "whatsapp": "platforms.whatsapp.adapter.WhatsAppAdapter",
}


@cache
def get_adapter_class(name: str) -> type[PlatformAdapter]:
    try:
        path = ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise UnknownPlatform(f'Unknown platform "{name}". Known platforms: {known}.') from None
    return import_string(path)


def get_available_adapter_class(name: str, capability: str = "parse") -> type[PlatformAdapter]:
    cls = get_adapter_class(name)
    if not cls.available:
        raise PlatformNotAvailable(
            f"{cls.title} is not available yet. {cls.unavailable_reason}".strip()
        )
    if capability not in cls.capabilities:
        raise PlatformNotAvailable(f"{cls.title} does not support {capability}.")
    return cls


def get_adapter(name: str) -> PlatformAdapter:
    return get_available_adapter_class(name)()


def list_platforms() -> list[dict[str, Any]]:
    listing = []
    for name in ADAPTERS:
        cls = get_adapter_class(name)
        listing.append(
            {
                "name": name,
                "title": cls.title,
                "capabilities": sorted(cls.capabilities),
                "available": cls.available,
                "reason": ""
                if cls.available
                else f"not available yet. {cls.unavailable_reason}".strip(),
            }
        )
    return listing
