"""RedisState against a real Redis, and the sandbox shared by separate processes through it."""

from __future__ import annotations

import asyncio

import pytest
from telethon import errors, functions

from platforms.telegram.sandbox import (
    LOGIN_CODE,
    FaultConfig,
    MemoryState,
    RedisState,
    SandboxState,
    sandbox_account,
    sandbox_phone,
    sandbox_session_string,
)

from .conftest import REDIS_URL, Harness, RunPython

# A worker process: attach a session with a RedisState, then do one thing.
WORKER = """
import asyncio, sys
import redis
from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from platforms.telegram.sandbox import RedisState, attach

url, prefix, session, action = sys.argv[1:5]

async def main():
    state = RedisState(redis.Redis.from_url(url), prefix=prefix)
    client = TelegramClient(StringSession(session), api_id=1, api_hash="x",
                            receive_updates=False, flood_sleep_threshold=1)
    attach(client, state=state)
    try:
        if action == "me":
            me = await client.get_me()
            print(me.id if me else "unauthorized")
        elif action == "members":
            print(len(await client.get_participants("sandbox_group_1k")))
    except errors.RPCError as exc:
        print(type(exc).__name__, getattr(exc, "seconds", ""))
    finally:
        await client.disconnect()

asyncio.run(main())
"""


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_it_implements_the_state_operations(backend: str, request: pytest.FixtureRequest) -> None:
    state: SandboxState = (
        MemoryState() if backend == "memory" else request.getfixturevalue("redis_state")
    )
    assert isinstance(state, SandboxState)
    assert state.claim_once("x") and not state.claim_once("x") and state.claim_once("y")
    assert state.incr("n") == 1 and state.incr("n") == 2 and state.counter("n") == 2
    assert state.counter("never") == 0
    assert state.add_membership(5, 100) and not state.add_membership(5, 100)
    state.add_membership(5, 200)
    assert state.memberships(5) == {100, 200} and state.memberships(6) == frozenset()
    state.remove_membership(5, 100)
    assert state.memberships(5) == {200}
    state.set_deactivated(5)
    assert state.is_deactivated(5) and not state.is_deactivated(6)
    state.set_deactivated(5, False)
    assert not state.is_deactivated(5)
    state.bind_key(2**63 + 5, 77)
    assert state.bound_user(2**63 + 5) == 77 and state.bound_user(1) is None
    state.set_pending_password(9, 77)
    assert state.pending_password(9) == 77
    state.set_pending_password(9, None)
    assert state.pending_password(9) is None
    state.kill_key(9)
    assert state.is_key_dead(9) and not state.is_key_dead(10)
    assert state.hold_connection(9, "a", 5) and state.hold_connection(9, "a", 5)
    assert not state.hold_connection(9, "b", 5) and state.connection_holder(9) == "a"
    state.release_connection(9, "b")  # not the holder: no effect
    assert state.connection_holder(9) == "a"
    state.release_connection(9, "a")
    assert state.connection_holder(9) is None and state.hold_connection(9, "b", 5)
    state.set_faults({"flood_rate": 0.2, "flood_seconds": [1, 3], "seed": 7})
    assert state.faults() == FaultConfig(flood_rate=0.2, flood_seconds=(1, 3), seed=7)
    state.set_faults({"error": "SLOWMODE_WAIT_60", "rate": 0.5, "requests": ["GetHistory"]})
    assert state.faults() == FaultConfig(
        error="SLOWMODE_WAIT_60", error_rate=0.5, requests=frozenset({"GetHistory"})
    )
    state.reset()
    assert state.claim_once("x") and state.faults() is None and state.memberships(5) == set()


async def test_it_shares_a_login_between_processes(
    sandbox: Harness, redis_state: RedisState, run_python: RunPython
) -> None:
    client = sandbox.login_client(state=redis_state)
    await client.send_code_request(sandbox_phone(77))
    await client.sign_in(sandbox_phone(77), LOGIN_CODE)
    saved = client.session.save()
    await client.disconnect()
    out = await run_python(WORKER, REDIS_URL, redis_state.prefix, saved, "me")
    assert out.strip() == str(sandbox_account(77).user_id)
    # With another state the binding is unknown: the key is not logged in there.
    out = await run_python(WORKER, REDIS_URL, redis_state.prefix + "other:", saved, "me")
    assert out.strip() == "unauthorized"
    RedisState(redis_state.redis, prefix=redis_state.prefix + "other:").reset()


async def test_it_detects_a_duplicated_key_across_processes(
    sandbox: Harness, redis_state: RedisState, run_python: RunPython
) -> None:
    holder = sandbox.client(21, state=redis_state)
    assert await holder.get_me() is not None  # live, heartbeat running meanwhile
    out = await run_python(WORKER, REDIS_URL, redis_state.prefix, sandbox_session_string(21), "me")
    assert out.strip().startswith("AuthKeyDuplicatedError")
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await holder(functions.updates.GetStateRequest())


async def test_it_applies_faults_set_from_another_process(
    redis_state: RedisState, run_python: RunPython
) -> None:
    redis_state.set_faults({"flood_rate": 1.0, "flood_seconds": [30, 30], "seed": 0})
    out = await run_python(
        WORKER, REDIS_URL, redis_state.prefix, sandbox_session_string(22), "members"
    )
    assert out.split() == ["FloodWaitError", "30"]
    redis_state.set_faults(None)
    out = await run_python(
        WORKER, REDIS_URL, redis_state.prefix, sandbox_session_string(22), "members"
    )
    assert out.strip() == "1000"


async def test_it_claims_once_events_across_processes(
    redis_state: RedisState, run_python: RunPython
) -> None:
    code = (
        "import sys, redis\n"
        "from platforms.telegram.sandbox import RedisState\n"
        "s = RedisState(redis.Redis.from_url(sys.argv[1]), prefix=sys.argv[2])\n"
        "print(s.claim_once('flood-once:sandbox_flood'))\n"
    )
    outs = await asyncio.gather(
        *(run_python(code, REDIS_URL, redis_state.prefix) for _ in range(4))
    )
    assert sorted(o.strip() for o in outs) == ["False", "False", "False", "True"]
