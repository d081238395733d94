"""Shared fixtures: real database, real Redis, real RQ workers.

Workers run as separate processes (`manage.py rqworker --burst`), against the
test database and the test Redis database, exactly as in production. Tests
that use them need committed data: `@pytest.mark.django_db(transaction=True)`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _clean_redis() -> Iterator[None]:
    """Start every test session with an empty test Redis database."""
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield


@pytest.fixture(autouse=True)
def _fresh_sandbox() -> Iterator[None]:
    """Every test starts with a sandbox nobody has touched.

    Its state (joins, once-only floods and bans, live connections, faults)
    lives in Redis and would otherwise leak from one test into the next: a
    connection left registered by a killed worker, say, would make the next
    test's account look used twice.
    """
    from platforms.telegram.client import sandbox_state

    sandbox_state().reset()
    yield
    sandbox_state().reset()


@pytest.fixture
def redis_conn() -> Any:
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    return connection


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def service_env(**extra: str) -> dict[str, str]:
    """Environment for a service process that shares this test's database and Redis."""
    from django.conf import settings

    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "SESSION_ENCRYPTION_KEYS": ",".join(settings.SESSION_ENCRYPTION_KEYS),
        "DJANGO_SETTINGS_MODULE": "parser_project.settings",
        "PROGRESS_PUBLISH_INTERVAL": str(settings.PROGRESS_PUBLISH_INTERVAL),
        "TELEGRAM_FLOOD_SLEEP_THRESHOLD": str(settings.TELEGRAM_FLOOD_SLEEP_THRESHOLD),
        "ACCOUNT_LEASE_SECONDS": str(settings.ACCOUNT_LEASE_SECONDS),
        "TELEGRAM_MIN_REQUEST_INTERVAL_MS": str(settings.TELEGRAM_MIN_REQUEST_INTERVAL_MS),
        "SANDBOX_STATE_PREFIX": settings.SANDBOX_STATE_PREFIX,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants.

    An RQ work horse calls setsid(), so killing the worker's process group
    would leave the horse running: find the descendants through /proc.
    """
    import signal

    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    doomed, stack = [], [pid]
    while stack:
        current = stack.pop()
        doomed.append(current)
        stack.extend(children.get(current, []))
    for victim in doomed:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def run_worker() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run a real RQ worker process in burst mode until the queues are empty."""

    def run(*queues: str, timeout: float = 180, **env: str) -> subprocess.CompletedProcess[str]:
        names = list(queues) or ["high", "default", "low"]
        result = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "rqworker", "--burst", *names],
            env=service_env(**env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result

    return run


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def other_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("bob", password="bob-password-1")


def jwt_client(username: str, password: str) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


@pytest.fixture
def api(user: Any) -> Any:
    return jwt_client("alice", "alice-password-1")


@pytest.fixture
def other_api(other_user: Any) -> Any:
    return jwt_client("bob", "bob-password-1")


@pytest.fixture
def sandbox_accounts() -> Callable[[int], list[Any]]:
    from platforms.sandbox_accounts import add_sandbox_accounts

    return add_sandbox_accounts


@pytest.fixture
def sandbox_account(sandbox_accounts: Callable[[int], list[Any]]) -> Any:
    return sandbox_accounts(1)[0]
