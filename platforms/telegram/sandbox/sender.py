"""SandboxSender: stands in for Telethon's MTProtoSender and answers from the sandbox world.

Telethon's `TelegramClient._call` only needs `send(request)` to return a future (it then does
its own flood sleeping, retries and entity caching), so everything above the sender runs
unchanged. Requests and answers go through bytes both ways: only wire-valid TL gets through,
and Telethon receives fresh objects it may mutate (it does, e.g. `user.participant`).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import uuid
from collections import Counter
from typing import Any

from telethon import errors, utils
from telethon.crypto import AuthKey
from telethon.extensions import BinaryReader
from telethon.tl import TLObject, functions, types

from .accounts import KeyInfo, inspect_auth_key
from .faults import request_name
from .handlers import Context, RpcFail, route_for
from .state import SandboxState
from .world import World

log = logging.getLogger(__name__)

# A connection counts as live for this long after its last request or heartbeat, so a killed
# worker's registration expires by itself (Telegram notices a dead TCP connection similarly).
DEFAULT_LIVE_TTL = 10.0

_WRAPPERS = (
    functions.InvokeWithoutUpdatesRequest,
    functions.InvokeWithLayerRequest,
    functions.InitConnectionRequest,
)
_VECTOR = 0x1CB5C415
_BOOL_TRUE, _BOOL_FALSE = 0x997275B5, 0xBC799737


def unwrap(request: Any) -> Any:
    """The actual query inside InvokeWithoutUpdates / InvokeWithLayer / InitConnection."""
    while isinstance(request, _WRAPPERS):
        request = request.query
    return request


def encode_answer(answer: Any) -> bytes:
    if isinstance(answer, bool):
        return struct.pack("<I", _BOOL_TRUE if answer else _BOOL_FALSE)
    if isinstance(answer, list):
        return struct.pack("<Ii", _VECTOR, len(answer)) + b"".join(bytes(x) for x in answer)
    if isinstance(answer, TLObject):
        return bytes(answer)
    raise TypeError(f"a handler answered {type(answer).__name__}, not TL")


class SandboxSender:
    """One "connection" of one auth key to the sandbox."""

    def __init__(
        self,
        world: World,
        state: SandboxState,
        auth_key: AuthKey | bytes,
        *,
        live_ttl: float = DEFAULT_LIVE_TTL,
        latency: float = 0.0,
    ) -> None:
        self.world = world
        self.state = state
        self.auth_key = auth_key if isinstance(auth_key, AuthKey) else AuthKey(auth_key)
        self.key_info: KeyInfo | None = inspect_auth_key(world, self.auth_key.key)
        self.sender_id = uuid.uuid4().hex
        self.live_ttl = live_ttl
        self.latency = latency  # seconds before each answer arrives, to simulate a network
        self.counts: Counter[str] = Counter()  # requests received, by TL name (for tests)
        self._connected = True
        self._holding = False
        self._heartbeat: asyncio.Task[None] | None = None
        self._disconnected: asyncio.Future[None] | None = None

    # --- what Telethon touches on its sender ----------------------------------------------

    def is_connected(self) -> bool:
        return self._connected

    def _transport_connected(self) -> bool:
        return self._connected

    async def connect(self, connection: Any = None) -> bool:
        """Called by `TelegramClient.connect()`. Answering False ("already connected") makes
        that a no-op, so code which calls connect() keeps working on a sandbox client."""
        self._connected = True
        return False

    async def disconnect(self) -> None:
        if not self._connected:
            return
        self._connected = False
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None and not heartbeat.done():
            heartbeat.cancel()
        if self._holding and self.key_info is not None:
            self.state.release_connection(self.key_info.key_id, self.sender_id)
            self._holding = False
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_result(None)

    @property
    def disconnected(self) -> asyncio.Future[None]:
        if self._disconnected is None:
            self._disconnected = asyncio.get_running_loop().create_future()
            if not self._connected:
                self._disconnected.set_result(None)
        return asyncio.shield(self._disconnected)

    def send(self, request: Any, ordered: bool = False) -> Any:
        if not self._connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if utils.is_list_like(request):
            return [self._submit(r) for r in request]
        return self._submit(request)

    # --- answering -------------------------------------------------------------------------

    def _submit(self, request: Any) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        # Computed now, so state changes happen in request order; delivered on a later loop
        # iteration, so awaiting a request yields to other tasks as a network round trip does.
        try:
            result: Any = self._answer(request)
            error: BaseException | None = None
        except RpcFail as fail:
            result = None
            error = errors.rpc_message_to_error(types.RpcError(fail.code, fail.message), request)

        def deliver() -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)

        if self.latency > 0:
            loop.call_later(self.latency, deliver)
        else:
            loop.call_soon(deliver)
        return future

    def _answer(self, request: Any) -> Any:
        query = unwrap(BinaryReader(bytes(request)).tgread_object())
        name = request_name(query)
        self.counts[name] += 1
        info = self.key_info
        if info is None or self.state.is_key_dead(info.key_id):
            raise RpcFail(401, "AUTH_KEY_UNREGISTERED")
        if not self.state.hold_connection(info.key_id, self.sender_id, self.live_ttl):
            # A second live connection with the same key: Telegram kills the key for good.
            self.state.kill_key(info.key_id)
            raise RpcFail(406, "AUTH_KEY_DUPLICATED")
        self._holding = True
        self._ensure_heartbeat()

        user_id = self.state.bound_user(info.key_id) or info.user_id
        route = route_for(query)
        if route is None:
            raise RpcFail(400, f"SANDBOX_NOT_IMPLEMENTED_{name}")
        if route.needs_auth and user_id is None:
            if self.state.pending_password(info.key_id) is not None:
                # The login got its code but not its two-step password yet: Telegram answers
                # this (not "unregistered") so that the client asks for the password.
                raise RpcFail(401, "SESSION_PASSWORD_NEEDED")
            raise RpcFail(401, "AUTH_KEY_UNREGISTERED")
        if user_id is not None and self.state.is_deactivated(user_id):
            raise RpcFail(401, "USER_DEACTIVATED_BAN")
        self._maybe_fault(name)
        answer = route.handler(Context(self.world, self.state, info, user_id), query)
        return request.read_result(BinaryReader(encode_answer(answer)))

    def _maybe_fault(self, name: str) -> None:
        """An injected fault (see faults.py), raised like any handler's error, so Telethon
        turns it into its real exception and its own flood sleeping applies."""
        config = self.state.faults()
        if config is None or not config.applies_to(name):
            return
        fault = config.fault_for(self.state.incr("faults:requests"))
        if fault is not None:
            self.state.incr("faults:injected")
            raise RpcFail(*fault)

    # --- liveness ----------------------------------------------------------------------------

    def _ensure_heartbeat(self) -> None:
        if self._heartbeat is None or self._heartbeat.done():
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())

    async def _beat(self) -> None:
        """Keep the registration alive while connected, even when no request is made (e.g.
        while Telethon sleeps through a flood wait), as a real connection's pings would."""
        assert self.key_info is not None
        key_id = self.key_info.key_id
        while self._connected:
            await asyncio.sleep(self.live_ttl / 3)
            if not self._connected:
                return
            try:
                held = self.state.hold_connection(key_id, self.sender_id, self.live_ttl)
            except Exception:  # a state outage must not kill the event loop's other work
                log.exception("sandbox heartbeat failed")
                continue
            if not held:
                # Our registration lapsed (the loop was blocked) and another connection took
                # the key meanwhile: two live connections, so the key dies.
                self.state.kill_key(key_id)
                return

    def __repr__(self) -> str:
        who = self.key_info.user_id if self.key_info else None
        return f"<SandboxSender user={who} connected={self._connected}>"
