"""Flood waits and other errors (injected and scripted) and the ban-once group, as Telethon
experiences them."""

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


def test_it_validates_error_faults_and_gives_each_its_rpc_code() -> None:
    cases = {
        "PEER_FLOOD": (400, "PEER_FLOOD"),
        "SLOWMODE_WAIT_60": (420, "SLOWMODE_WAIT_60"),
        "FLOOD_PREMIUM_WAIT_5": (420, "FLOOD_PREMIUM_WAIT_5"),
        "AUTH_KEY_UNREGISTERED": (401, "AUTH_KEY_UNREGISTERED"),
        "SESSION_REVOKED": (401, "SESSION_REVOKED"),
        "USER_DEACTIVATED": (401, "USER_DEACTIVATED"),
        "AUTH_KEY_DUPLICATED": (406, "AUTH_KEY_DUPLICATED"),
        "403 CHAT_WRITE_FORBIDDEN": (403, "CHAT_WRITE_FORBIDDEN"),
    }
    for error, rpc in cases.items():
        config = FaultConfig.from_dict({"error": error})
        assert config.error_rate == 1.0 and config.fault_for(1) == rpc
        assert FaultConfig.from_dict(config.to_dict()) == config
    with pytest.raises(ValueError, match="unknown fault error"):
        FaultConfig.from_dict({"error": "SOMETHING_ODD"})
    with pytest.raises(ValueError, match='set "error" too'):
        FaultConfig.from_dict({"rate": 0.5})
    with pytest.raises(ValueError):
        FaultConfig.from_dict({"error": "PEER_FLOOD", "rate": 1.5})
    # An error drawn rarely leaves the flood sequence alone everywhere else.
    flood = FaultConfig(flood_rate=0.3, seed=5)
    both = FaultConfig(flood_rate=0.3, seed=5, error="PEER_FLOOD", error_rate=0.1)
    draws = [(flood.fault_for(n), both.fault_for(n)) for n in range(1, 1001)]
    errors_drawn = sum(b == (400, "PEER_FLOOD") for _, b in draws)
    assert 50 < errors_drawn < 150
    assert all(a == b for a, b in draws if b != (400, "PEER_FLOOD"))
    assert not FaultConfig(error="PEER_FLOOD", error_rate=0.0).applies_to("GetParticipants")


@pytest.mark.parametrize(
    ("error", "exception"),
    [
        ("PEER_FLOOD", errors.PeerFloodError),
        ("SLOWMODE_WAIT_90", errors.SlowModeWaitError),
        ("AUTH_KEY_UNREGISTERED", errors.AuthKeyUnregisteredError),
        ("SESSION_REVOKED", errors.SessionRevokedError),
        ("USER_DEACTIVATED", errors.UserDeactivatedError),
        ("403 CHAT_WRITE_FORBIDDEN", errors.ChatWriteForbiddenError),
    ],
)
async def test_it_answers_injected_errors_as_telethons_own_exceptions(
    sandbox: Harness, error: str, exception: type
) -> None:
    sandbox.state.set_faults({"error": error, "requests": ["GetParticipants"]})
    client = sandbox.client(1, flood_sleep_threshold=60)
    with pytest.raises(exception):
        await client.get_participants("sandbox_group_1k")
    assert sandbox.state.counter("faults:injected") == 1
    # Only the configured requests fail, and only while the fault is set.
    assert len(await client.get_messages("sandbox_group_1k", limit=5)) == 5
    sandbox.state.set_faults(None)
    assert len(await client.get_participants("sandbox_group_1k")) == 1000


async def test_it_lets_telethon_sleep_through_a_short_slow_mode_wait(sandbox: Harness) -> None:
    settings = {"error": "SLOWMODE_WAIT_1", "rate": 0.3, "requests": ["GetHistory"]}
    seed = next(  # slows the first history page and none of the next ones (deterministic)
        seed
        for seed in range(10_000)
        if FaultConfig.from_dict({**settings, "seed": seed}).fault_for(1)
        and not any(
            FaultConfig.from_dict({**settings, "seed": seed}).fault_for(n) for n in range(2, 8)
        )
    )
    sandbox.state.set_faults({**settings, "seed": seed})
    client = sandbox.client(1, flood_sleep_threshold=60)
    started = time.monotonic()
    messages = await client.get_messages("sandbox_group_1k", limit=250)
    elapsed = time.monotonic() - started
    assert len(messages) == 250
    assert sandbox.state.counter("faults:injected") == 1
    assert 1.0 <= elapsed < 3.0  # Telethon slept the slow mode's 1 s and retried
    assert client._sender.counts["GetHistory"] == 3 + 1  # 3 pages + the retry


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
