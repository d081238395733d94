"""Sandbox accounts, their auth keys and StringSessions.

A sandbox account is the n-th test-style phone `+99966NNNNN` (n = 1..99999). Its session is a
real Telethon `StringSession` (dc 2, a Telegram IP, a 256-byte auth key), indistinguishable in
shape from a real one, so the rest of the service stores and handles it like any session.

Auth keys come in two kinds, both verifiable without state:

* account key: bytes 0..7 = the user id (big-endian), bytes 8..255 = world-secret expansion of
  that id. `sandbox_session_string(n)` makes one; it is logged in by construction.
* login key: bytes 0..7 = zero, 8..23 = random nonce, 24..255 = expansion of the nonce. Handed
  out by `attach_for_login`; unauthorized until auth.SignIn / auth.CheckPassword binds it to an
  account in the shared state (as Telegram binds a key to a user at login), so the saved
  session works in any process using the same state backend.

Anything else (a forged or foreign key) is answered AUTH_KEY_UNREGISTERED.
"""

from __future__ import annotations

import hmac
import os
import re
from dataclasses import dataclass
from typing import Literal

from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from .world import World, get_world

ACCOUNT_USER_ID_BASE = 6_000_000_000
MAX_ACCOUNTS = 99_999
PHONE_PREFIX = "99966"
TWO_FA_PHONE_PREFIX = "999662"  # +999662NNNN: accounts 20000..29999
LOGIN_CODE = "22222"
TWO_FA_PASSWORD = "sandbox-2fa"
TWO_FA_HINT = "sandbox"
# A real DC 2 address: the session must look like one Telegram would give.
SANDBOX_DC = (2, "149.154.167.40", 443)

_PHONE_RE = re.compile(r"^99966(\d{5})$")
_KEY_SIZE = 256


@dataclass(frozen=True, slots=True)
class SandboxAccount:
    number: int
    user_id: int
    phone: str  # digits only, as types.User.phone

    @property
    def phone_e164(self) -> str:
        return "+" + self.phone

    @property
    def has_2fa(self) -> bool:
        return self.phone.startswith(TWO_FA_PHONE_PREFIX)

    @property
    def first_name(self) -> str:
        return "Sandbox"

    @property
    def last_name(self) -> str:
        return f"Account {self.number}"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: int  # Telethon's AuthKey.key_id (from SHA-1 of the key), as Telegram identifies keys
    kind: Literal["account", "login"]
    user_id: int | None  # the account the key is for; None for a login key


def sandbox_account(n: int) -> SandboxAccount:
    if not 1 <= n <= MAX_ACCOUNTS:
        raise ValueError(f"sandbox account number must be within 1..{MAX_ACCOUNTS}, got {n}")
    return SandboxAccount(
        number=n, user_id=ACCOUNT_USER_ID_BASE + n, phone=f"{PHONE_PREFIX}{n:05d}"
    )


def sandbox_phone(n: int) -> str:
    """The n-th sandbox account's phone, "+99966NNNNN"."""
    return sandbox_account(n).phone_e164


def account_for_phone(phone: str) -> SandboxAccount | None:
    digits = re.sub(r"[+()\s-]", "", phone or "")
    match = _PHONE_RE.match(digits)
    if not match or int(match.group(1)) == 0:
        return None
    return sandbox_account(int(match.group(1)))


def account_for_user_id(user_id: int) -> SandboxAccount | None:
    n = user_id - ACCOUNT_USER_ID_BASE
    return sandbox_account(n) if 1 <= n <= MAX_ACCOUNTS else None


def account_auth_key(n: int, world: World | None = None) -> bytes:
    world = world or get_world()
    user_id = sandbox_account(n).user_id
    head = user_id.to_bytes(8, "big")
    return head + world.dice.expand(_KEY_SIZE - 8, "account-key", user_id)


def new_login_key(world: World | None = None) -> bytes:
    world = world or get_world()
    nonce = os.urandom(16)
    return bytes(8) + nonce + world.dice.expand(_KEY_SIZE - 24, "login-key", nonce.hex())


def inspect_auth_key(world: World, key: bytes | None) -> KeyInfo | None:
    """Who a key belongs to, or None if the sandbox did not issue it."""
    if not key or len(key) != _KEY_SIZE:
        return None
    key_id = AuthKey(key).key_id
    head = int.from_bytes(key[:8], "big")
    if head == 0:
        nonce = key[8:24]
        expected = world.dice.expand(_KEY_SIZE - 24, "login-key", nonce.hex())
        if hmac.compare_digest(key[24:], expected):
            return KeyInfo(key_id=key_id, kind="login", user_id=None)
        return None
    account = account_for_user_id(head)
    if account is None:
        return None
    expected = world.dice.expand(_KEY_SIZE - 8, "account-key", head)
    if hmac.compare_digest(key[8:], expected):
        return KeyInfo(key_id=key_id, kind="account", user_id=account.user_id)
    return None


def sandbox_session_string(n: int, world: World | None = None) -> str:
    """A logged-in StringSession text for sandbox account n (deterministic)."""
    session = StringSession()
    session.set_dc(*SANDBOX_DC)
    session.auth_key = AuthKey(account_auth_key(n, world))
    return session.save()
