"""The service reads its secrets from a real Vault-compatible server (OpenBao)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.secrets.bao_server import ACCOUNT_SECRETS, SERVICE_SECRETS, Bao, running_bao

PROBE = """
import json, django
django.setup()
from django.conf import settings
from platforms.pool import api_credentials
print(json.dumps({
    "SECRET_KEY": settings.SECRET_KEY,
    "JWT": settings.SIMPLE_JWT["SIGNING_KEY"],
    "SESSION_KEYS": settings.SESSION_ENCRYPTION_KEYS,
    "API_ID": settings.TELEGRAM_API_ID,
    "API_HASH": settings.TELEGRAM_API_HASH,
    "ALICE": list(api_credentials("alice")),
}))
"""


@pytest.fixture(scope="module")
def bao() -> Iterator[Bao]:
    with running_bao() as server:
        yield server


def start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VAULT_", "SECRET_KEY", "JWT_", "SESSION_", "TELEGRAM_"))
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={
            **base,
            "DJANGO_SETTINGS_MODULE": "parser_project.settings",
            "DEBUG": "0",
            "REDIS_URL": "redis://127.0.0.1:1/0",  # never contacted by this probe
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_reads_every_secret_from_vault_with_approle(bao: Bao) -> None:
    got = read(start(bao.approle_env()))
    assert got["SECRET_KEY"] == SERVICE_SECRETS["secret_key"]
    assert got["JWT"] == SERVICE_SECRETS["jwt_signing_key"]
    assert got["SESSION_KEYS"] == list(bao.session_keys)
    assert got["API_ID"] == int(SERVICE_SECRETS["telegram_api_id"])
    assert got["API_HASH"] == SERVICE_SECRETS["telegram_api_hash"]
    assert got["ALICE"] == [ACCOUNT_SECRETS["api_id"], ACCOUNT_SECRETS["api_hash"]]


def test_it_reads_them_with_a_token_too(bao: Bao) -> None:
    got = read(start(bao.env(VAULT_TOKEN=bao.service_token)))
    assert got["SECRET_KEY"] == SERVICE_SECRETS["secret_key"]


def test_it_falls_back_to_the_environment_when_vault_is_down(bao: Bao) -> None:
    env = {
        **bao.approle_env(VAULT_ADDR="http://127.0.0.1:9"),
        "SECRET_KEY": "env-secret",
        "SESSION_ENCRYPTION_KEYS": bao.session_keys[1],
        "TELEGRAM_API_ID": "42",
        "TELEGRAM_API_HASH": "env-hash",
    }
    got = read(start(env))
    assert got["SECRET_KEY"] == "env-secret"
    assert got["JWT"] == "env-secret"  # no JWT key anywhere: the secret key signs
    assert got["SESSION_KEYS"] == [bao.session_keys[1]]
    assert [got["API_ID"], got["API_HASH"]] == [42, "env-hash"]
    assert got["ALICE"] == [42, "env-hash"]  # no per-account pair without Vault


def test_it_refuses_to_start_without_a_required_secret() -> None:
    result = start({"SESSION_ENCRYPTION_KEYS": "x"})
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    result = start({"SECRET_KEY": "x"})
    assert result.returncode != 0
    assert "SESSION_ENCRYPTION_KEYS is not set" in result.stderr
