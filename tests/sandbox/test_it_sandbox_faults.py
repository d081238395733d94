"""Flood waits (injected and scripted) and the ban-once group, as Telethon experiences them."""

from __future__ import annotations

import time

import pytest
from telethon import errors, functions, types

from platforms.telegram.sandbox import FaultConfig, sandbox_account

from .conftest import Harness


def _seed_flooding_only_the_first_request(rate: float, seconds: int) -> int:
    """A seed whose fault sequence floods request 1 and none of the next 15 (deterministic)."""
    for seed in range(10_000):
        config = FaultConfig(flood_rate=rate, flood_seconds=(seconds, seconds), seed=seed)
        if config.flood_for(1) and not any(config.flood_for(n) for n in range(2, 17)):
            return seed
    raise AssertionError("no such seed")


async def test_it_lets_telethon_sleep_through_a_short_flood_wait(sandbox: Harness) -> None:
    seed = _seed_flooding_only_the_first_request(0.3, 1)
    sandbox.state.set_faults({"flood_rate": 0.3, "flood_seconds": [1, 1], "seed": seed})
    client = sandbox.client(1, flood_sleep_threshold=60)
    group = await client.get_entity("sandbox_group_1k")  # ResolveUsername: not faultable
    started = time.monotonic()
    users = await client.get_participants(group)
    elapsed = time.monotonic() - started
    assert len(users) == 1000
    assert sandbox.state.counter("faults:injected") == 1
    assert 1.0 <= elapsed < 3.0  # Telethon slept the 1 s and retried
    assert client._sender.counts["GetParticipants"] == 6 + 1  # 5 pages + empty end + retry


async def test_it_raises_flood_waits_above_the_clients_threshold(sandbox: Harness) -> None:
    sandbox.state.set_faults(
        {"flood_rate": 1.0, "flood_seconds": [5, 5], "seed": 1, "requests": ["GetHistory"]}
    )
    client = sandbox.client(1, flood_sleep_threshold=2)
    with pytest.raises(errors.FloodWaitError) as caught:
        await client.get_messages("sandbox_group_1k", limit=10)
    assert caught.value.seconds == 5
    assert len(await client.get_participants("sandbox_group_1k")) == 1000  # not faulted
    sandbox.state.set_faults(None)
    assert sandbox.state.faults() is None


def test_it_validates_fault_settings() -> None:
    with pytest.raises(ValueError, match="unknown"):
        FaultConfig.from_dict({"flood_ratio": 0.2})
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"flood_rate": 2})
    config = FaultConfig.from_dict({"flood_rate": 0.2, "flood_seconds": [1, 3], "seed": 7})
    assert FaultConfig.from_dict(config.to_dict()) == config
    draws = [config.flood_for(n) for n in range(1, 2001)]
    assert draws == [config.flood_for(n) for n in range(1, 2001)]  # reproducible
    floods = [d for d in draws if d is not None]
    assert 0.15 < len(floods) / len(draws) < 0.25 and set(floods) == {1, 2, 3}


async def test_it_floods_sandbox_flood_once_on_a_second_page(sandbox: Harness) -> None:
    first = sandbox.client(1)
    seen = []
    with pytest.raises(errors.FloodWaitError) as caught:
        async for user in first.iter_participants("sandbox_flood"):
            seen.append(user)
    assert caught.value.seconds == 600 and len(seen) == 200

    second = sandbox.client(2)  # the once-event is over for everyone
    users = await second.get_participants("sandbox_flood")
    assert len(users) == users.total == 2000
    # A new client of the first account is fine too (the old one remembers the wait locally,
    # as Telethon does after any FloodWaitError).
    await first.disconnect()
    assert len(await sandbox.client(1).get_participants("sandbox_flood")) == 2000


async def test_it_bans_the_first_reader_of_sandbox_ban_once(sandbox: Harness) -> None:
    victim = sandbox.client(3)
    group = await victim.get_entity("sandbox_ban_once")
    with pytest.raises(errors.UserDeactivatedBanError):
        await victim(functions.channels.GetFullChannelRequest(group))
    assert sandbox.state.is_deactivated(sandbox_account(3).user_id)
    with pytest.raises(errors.UserDeactivatedBanError):
        await victim(functions.users.GetUsersRequest([types.InputUserSelf()]))
    assert await victim.get_me() is None

    survivor = sandbox.client(4)
    users = await survivor.get_participants("sandbox_ban_once")
    assert len(users) == 1000
    assert not sandbox.state.is_deactivated(sandbox_account(4).user_id)
