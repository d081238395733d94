"""Fixtures for the sandbox's own tests. Nothing here touches Django.

Run: .venv/bin/python -m pytest tests/sandbox -p no:django -q

`async def` tests run in a fresh event loop each (no pytest-asyncio needed), with a timeout so
a sandbox bug shows up as a failure instead of a hang.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from telethon import TelegramClient
from telethon.sessions import StringSession

from platforms.telegram.sandbox import (
    MemoryState,
    RedisState,
    SandboxState,
    World,
    attach,
    attach_for_login,
    get_world,
    sandbox_session_string,
)

ROOT = Path(__file__).resolve().parents[2]
TEST_TIMEOUT = 45.0
REDIS_URL = os.environ.get("SANDBOX_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}

    async def run() -> None:
        try:
            await pyfuncitem.obj(**kwargs)
        finally:
            # Clients must be disconnected in the loop they ran in.
            for value in kwargs.values():
                if isinstance(value, Harness):
                    await value.aclose()

    asyncio.run(asyncio.wait_for(run(), TEST_TIMEOUT))
    return True


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> Iterator[None]:
    """Overrides tests/conftest.py's fixture of the same name, which needs Django: the sandbox
    tests must run with `-p no:django`. They use their own Redis prefix (see redis_state)."""
    yield


class Harness:
    """Makes Telethon clients attached to the sandbox and disconnects them after the test."""

    def __init__(self, state: SandboxState, world: World) -> None:
        self.state = state
        self.world = world
        self.clients: list[TelegramClient] = []

    def client(
        self,
        n: int = 1,
        *,
        session: str | None = None,
        state: SandboxState | None = None,
        flood_sleep_threshold: int = 60,
        **attach_options: Any,
    ) -> TelegramClient:
        client = TelegramClient(
            StringSession(session or sandbox_session_string(n)),
            api_id=1,
            api_hash="x",
            receive_updates=False,
            flood_sleep_threshold=flood_sleep_threshold,
        )
        attach(client, world=self.world, state=state or self.state, **attach_options)
        self.clients.append(client)
        return client

    def login_client(self, *, state: SandboxState | None = None) -> TelegramClient:
        client = TelegramClient(StringSession(), api_id=1, api_hash="x", receive_updates=False)
        attach_for_login(client, world=self.world, state=state or self.state)
        self.clients.append(client)
        return client

    async def aclose(self) -> None:
        for client in self.clients:
            if client.is_connected():
                await client.disconnect()


@pytest.fixture
def world() -> World:
    return get_world()


@pytest.fixture
def state() -> MemoryState:
    return MemoryState()


@pytest.fixture
def sandbox(state: MemoryState, world: World) -> Harness:
    return Harness(state, world)


@pytest.fixture
def redis_state() -> Iterator[RedisState]:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    state = RedisState(client, prefix=f"sandbox-test-{uuid.uuid4().hex[:8]}:")
    state.reset()
    yield state
    state.reset()
    client.close()


async def _run_python(code: str, *args: str, timeout: float = 30.0) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        *args,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "random"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode == 0, err.decode()[-3000:]
    return out.decode()


RunPython = Callable[..., Awaitable[str]]


@pytest.fixture
def run_python() -> RunPython:
    """`await run_python(code, *argv)`: run code in a separate Python process (a stand-in for
    a worker process) without blocking the test's event loop; returns its stdout."""
    return _run_python


@pytest.fixture
def _fresh_sandbox() -> Iterator[None]:
    """Overrides tests/conftest.py's autouse fixture, which needs Django; these tests
    run with `-p no:django` and keep their own state."""
    yield
