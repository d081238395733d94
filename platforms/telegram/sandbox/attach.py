"""Plugging the sandbox into a TelegramClient in place of the network."""

from __future__ import annotations

from typing import Any

from telethon.crypto import AuthKey

from .accounts import SANDBOX_DC, new_login_key
from .sender import DEFAULT_LIVE_TTL, SandboxSender
from .state import MemoryState, SandboxState
from .world import World, get_world


class SandboxSessionError(ValueError):
    """The client's session cannot be used with the sandbox as it is."""


_default_state: SandboxState | None = None


def default_state() -> SandboxState:
    """The state `attach` uses when given none: one MemoryState per process. Processes that
    must share state (web + workers) pass a RedisState explicitly or call set_default_state."""
    global _default_state
    if _default_state is None:
        _default_state = MemoryState()
    return _default_state


def set_default_state(state: SandboxState | None) -> None:
    global _default_state
    _default_state = state


def attach(
    client: Any,
    *,
    world: World | None = None,
    state: SandboxState | None = None,
    live_ttl: float = DEFAULT_LIVE_TTL,
    latency: float = 0.0,
) -> SandboxSender:
    """Replace `client._sender` with a SandboxSender for the auth key in `client.session`.

    Do this instead of `client.connect()`; afterwards use the client as usual (`connect()` is a
    harmless no-op). `client.disconnect()` ends the sandbox connection.
    """
    session = getattr(client, "session", None)
    key = getattr(session, "auth_key", None)
    if key is None or not key.key:
        raise SandboxSessionError(
            "the client's session has no auth key: use StringSession(sandbox_session_string(n)) "
            "for a logged-in sandbox account, or attach_for_login(client) to log in"
        )
    current = getattr(client, "_sender", None)
    if current is not None and current.is_connected():
        kind = "the sandbox" if isinstance(current, SandboxSender) else "Telegram"
        raise RuntimeError(f"the client is already connected to {kind}; disconnect it first")
    sender = SandboxSender(
        world or get_world(), state or default_state(), key, live_ttl=live_ttl, latency=latency
    )
    client._sender = sender
    return sender


def attach_for_login(
    client: Any,
    *,
    world: World | None = None,
    state: SandboxState | None = None,
    live_ttl: float = DEFAULT_LIVE_TTL,
    latency: float = 0.0,
) -> SandboxSender:
    """Give a fresh session (e.g. `StringSession()`) a new, not yet authorized sandbox auth key
    and attach. Then log in with Telethon's own methods::

        await client.send_code_request(phone)
        await client.sign_in(phone, LOGIN_CODE)          # SessionPasswordNeededError for 2FA
        await client.sign_in(password=TWO_FA_PASSWORD)
        text = client.session.save()                      # works with attach() elsewhere

    The login binds the key to the account in `state`, so use the same state backend wherever
    the saved session is attached later.
    """
    world = world or get_world()
    session = client.session
    if session.auth_key is not None and session.auth_key.key:
        raise SandboxSessionError("attach_for_login needs a session without an auth key")
    session.set_dc(*SANDBOX_DC)
    session.auth_key = AuthKey(new_login_key(world))
    return attach(client, world=world, state=state, live_ttl=live_ttl, latency=latency)
