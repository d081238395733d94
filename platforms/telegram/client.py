"""Opening a Telethon client for an account of the pool.

How a client reaches Telegram depends on the account's kind, not on the
adapter: a real account connects over the network, a sandbox account gets the
in-process fake Telegram attached in place of Telethon's network sender. The
adapter code above this is the same for both.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from telethon import TelegramClient
from telethon.sessions import StringSession

from platforms.base import AccountCredentials
from platforms.errors import PlatformError


class PacedTelegramClient(TelegramClient):
    """A TelegramClient that keeps a minimum pause between two requests.

    One account is used by one worker at a time (the pool guarantees it), so
    pacing in the client paces the account. It also counts requests for the
    account's statistics.
    """

    def __init__(self, *args: Any, min_interval: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_interval = min_interval
        self.request_count = 0
        # Not `_last_request`: TelegramClient uses that name for its own bookkeeping.
        self._paced_at = 0.0

    async def _call(self, sender, request, ordered=False, flood_sleep_threshold=None):  # type: ignore[no-untyped-def]
        if self.min_interval:
            wait = self._paced_at + self.min_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._paced_at = time.monotonic()
        self.request_count += 1
        return await super()._call(
            sender, request, ordered=ordered, flood_sleep_threshold=flood_sleep_threshold
        )


class NotConfigured(PlatformError):
    pass


async def _connect_network(client: TelegramClient) -> None:
    await client.connect()


async def _login_network(client: TelegramClient) -> None:
    await client.connect()


@cache
def sandbox_state() -> Any:
    """The sandbox's shared state lives in Redis so every worker sees one world."""
    import redis

    from platforms.telegram.sandbox import RedisState

    return RedisState(
        redis.Redis.from_url(settings.REDIS_URL), prefix=settings.SANDBOX_STATE_PREFIX
    )


async def _connect_sandbox(client: TelegramClient) -> None:
    from platforms.telegram.sandbox import attach

    attach(client, state=sandbox_state())


async def _login_sandbox(client: TelegramClient) -> None:
    from platforms.telegram.sandbox import attach_for_login

    attach_for_login(client, state=sandbox_state())


@dataclass(frozen=True, slots=True)
class Connector:
    """How an account kind reaches Telegram."""

    connect: Callable[[TelegramClient], Awaitable[None]]
    # A login starts from an empty session: over the network Telethon creates
    # a new auth key with Telegram; the sandbox hands out a fresh unauthorised key.
    start_login: Callable[[TelegramClient], Awaitable[None]]
    # The sandbox is not Telegram and needs no API credentials of Telegram's.
    api_id: int | None = None
    api_hash: str | None = None

    def credentials(self, api_id: int = 0, api_hash: str = "") -> tuple[int, str]:
        api_id = self.api_id or api_id or settings.TELEGRAM_API_ID
        api_hash = self.api_hash or api_hash or settings.TELEGRAM_API_HASH
        if not api_id or not api_hash:
            raise NotConfigured(
                "Telegram API credentials are not configured: set TELEGRAM_API_ID and "
                "TELEGRAM_API_HASH (in Vault or the environment)."
            )
        return api_id, api_hash


CONNECTORS: dict[str, Connector] = {
    "telegram": Connector(connect=_connect_network, start_login=_login_network),
    "sandbox": Connector(
        connect=_connect_sandbox, start_login=_login_sandbox, api_id=1, api_hash="sandbox"
    ),
}


async def open_client(account: AccountCredentials) -> PacedTelegramClient:
    connector = CONNECTORS[account.kind]
    api_id, api_hash = connector.credentials(account.api_id, account.api_hash)
    client = PacedTelegramClient(
        StringSession(account.session),
        api_id,
        api_hash,
        flood_sleep_threshold=settings.TELEGRAM_FLOOD_SLEEP_THRESHOLD,
        # After its retries Telethon would raise a bare ValueError; we want the
        # last real error (e.g. a FloodWait) so the account can rest.
        raise_last_call_error=True,
        receive_updates=False,
        device_model="Parsing Service",
        app_version="1.0",
        min_interval=account.min_request_interval,
    )
    await connector.connect(client)
    return client


async def open_login_client(kind: str, session: str = "") -> TelegramClient:
    """A client for the login steps: fresh for the first, resumed for the next."""
    connector = CONNECTORS[kind]
    api_id, api_hash = connector.credentials()
    client = TelegramClient(
        StringSession(session),
        api_id,
        api_hash,
        receive_updates=False,
        device_model="Parsing Service",
        app_version="1.0",
    )
    await (connector.connect if session else connector.start_login)(client)
    return client
