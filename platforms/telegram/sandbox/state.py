"""Mutable sandbox state shared by every process that talks to the sandbox.

Worker processes are separate OS processes, so everything that must be seen by all of them
(one-off events, joins, bans, login bindings, live connections, injected faults) goes through a
`SandboxState`: `MemoryState` for single-process tests, `RedisState` for the real service.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from .faults import FaultConfig


@runtime_checkable
class SandboxState(Protocol):
    # one-off events and counters
    def claim_once(self, key: str) -> bool:
        """True for exactly one caller per key, ever (until reset)."""
        ...

    def incr(self, name: str) -> int: ...

    def counter(self, name: str) -> int: ...

    # memberships gained by joining (ImportChatInvite / JoinChannel)
    def add_membership(self, user_id: int, chat_id: int) -> bool:
        """Record a membership; False if it already existed."""
        ...

    def remove_membership(self, user_id: int, chat_id: int) -> None: ...

    def memberships(self, user_id: int) -> frozenset[int]: ...

    # accounts
    def set_deactivated(self, user_id: int, deactivated: bool = True) -> None: ...

    def is_deactivated(self, user_id: int) -> bool: ...

    # auth keys: login bindings, pending 2FA, killed keys
    def bind_key(self, key_id: int, user_id: int) -> None: ...

    def bound_user(self, key_id: int) -> int | None: ...

    def set_pending_password(self, key_id: int, user_id: int | None) -> None: ...

    def pending_password(self, key_id: int) -> int | None: ...

    def kill_key(self, key_id: int) -> None: ...

    def is_key_dead(self, key_id: int) -> bool: ...

    # live connections per auth key (AUTH_KEY_DUPLICATED)
    def hold_connection(self, key_id: int, sender_id: str, ttl: float) -> bool:
        """Register or refresh `sender_id` as the live connection of `key_id` for `ttl`
        seconds. False if another sender holds it and its registration has not expired."""
        ...

    def release_connection(self, key_id: int, sender_id: str) -> None: ...

    def connection_holder(self, key_id: int) -> str | None: ...

    # fault injection, settable from outside the worker processes
    def set_faults(self, faults: Mapping[str, Any] | FaultConfig | None) -> None: ...

    def faults(self) -> FaultConfig | None: ...

    def reset(self) -> None:
        """Forget everything (tests call this between cases)."""
        ...


def _fault_json(faults: Mapping[str, Any] | FaultConfig | None) -> str | None:
    if faults is None:
        return None
    config = faults if isinstance(faults, FaultConfig) else FaultConfig.from_dict(faults)
    return json.dumps(config.to_dict(), sort_keys=True)


class MemoryState:
    """Process-local state (a dict behind a lock). For tests that run in one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._once: set[str] = set()
            self._counters: dict[str, int] = {}
            self._members: dict[int, set[int]] = {}
            self._deactivated: set[int] = set()
            self._bound: dict[int, int] = {}
            self._pending: dict[int, int] = {}
            self._dead: set[int] = set()
            self._live: dict[int, tuple[str, float]] = {}
            self._faults: FaultConfig | None = None

    def claim_once(self, key: str) -> bool:
        with self._lock:
            if key in self._once:
                return False
            self._once.add(key)
            return True

    def incr(self, name: str) -> int:
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + 1
            return self._counters[name]

    def counter(self, name: str) -> int:
        return self._counters.get(name, 0)

    def add_membership(self, user_id: int, chat_id: int) -> bool:
        with self._lock:
            chats = self._members.setdefault(user_id, set())
            if chat_id in chats:
                return False
            chats.add(chat_id)
            return True

    def remove_membership(self, user_id: int, chat_id: int) -> None:
        with self._lock:
            self._members.get(user_id, set()).discard(chat_id)

    def memberships(self, user_id: int) -> frozenset[int]:
        return frozenset(self._members.get(user_id, ()))

    def set_deactivated(self, user_id: int, deactivated: bool = True) -> None:
        with self._lock:
            if deactivated:
                self._deactivated.add(user_id)
            else:
                self._deactivated.discard(user_id)

    def is_deactivated(self, user_id: int) -> bool:
        return user_id in self._deactivated

    def bind_key(self, key_id: int, user_id: int) -> None:
        self._bound[key_id] = user_id

    def bound_user(self, key_id: int) -> int | None:
        return self._bound.get(key_id)

    def set_pending_password(self, key_id: int, user_id: int | None) -> None:
        if user_id is None:
            self._pending.pop(key_id, None)
        else:
            self._pending[key_id] = user_id

    def pending_password(self, key_id: int) -> int | None:
        return self._pending.get(key_id)

    def kill_key(self, key_id: int) -> None:
        self._dead.add(key_id)

    def is_key_dead(self, key_id: int) -> bool:
        return key_id in self._dead

    def hold_connection(self, key_id: int, sender_id: str, ttl: float) -> bool:
        now = time.monotonic()
        with self._lock:
            holder = self._live.get(key_id)
            if holder is not None and holder[0] != sender_id and holder[1] > now:
                return False
            self._live[key_id] = (sender_id, now + ttl)
            return True

    def release_connection(self, key_id: int, sender_id: str) -> None:
        with self._lock:
            holder = self._live.get(key_id)
            if holder is not None and holder[0] == sender_id:
                del self._live[key_id]

    def connection_holder(self, key_id: int) -> str | None:
        holder = self._live.get(key_id)
        return holder[0] if holder is not None and holder[1] > time.monotonic() else None

    def set_faults(self, faults: Mapping[str, Any] | FaultConfig | None) -> None:
        value = _fault_json(faults)  # validates, and keeps the same semantics as Redis
        self._faults = FaultConfig.from_dict(json.loads(value)) if value else None

    def faults(self) -> FaultConfig | None:
        return self._faults


# Atomic "register or refresh unless someone else holds it" and "delete if still mine".
_HOLD_SCRIPT = """
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class RedisState:
    """State in Redis, shared by every process using the same server, db and prefix.

    Works with `redis.Redis` clients created with or without `decode_responses`.
    """

    def __init__(self, client: Any, prefix: str = "sandbox:") -> None:
        self.redis = client
        self.prefix = prefix
        self._hold = client.register_script(_HOLD_SCRIPT)
        self._release = client.register_script(_RELEASE_SCRIPT)

    def _k(self, *parts: object) -> str:
        return self.prefix + ":".join(str(p) for p in parts)

    def reset(self) -> None:
        pattern = "".join("\\" + ch if ch in "*?[]\\" else ch for ch in self.prefix) + "*"
        batch: list[Any] = []
        for key in self.redis.scan_iter(match=pattern, count=500):
            batch.append(key)
            if len(batch) >= 500:
                self.redis.delete(*batch)
                batch.clear()
        if batch:
            self.redis.delete(*batch)

    def claim_once(self, key: str) -> bool:
        return bool(self.redis.set(self._k("once", key), "1", nx=True))

    def incr(self, name: str) -> int:
        return int(self.redis.incr(self._k("counter", name)))

    def counter(self, name: str) -> int:
        return int(_text(self.redis.get(self._k("counter", name))) or 0)

    def add_membership(self, user_id: int, chat_id: int) -> bool:
        return bool(self.redis.sadd(self._k("member", user_id), chat_id))

    def remove_membership(self, user_id: int, chat_id: int) -> None:
        self.redis.srem(self._k("member", user_id), chat_id)

    def memberships(self, user_id: int) -> frozenset[int]:
        return frozenset(
            int(_text(v) or 0) for v in self.redis.smembers(self._k("member", user_id))
        )

    def set_deactivated(self, user_id: int, deactivated: bool = True) -> None:
        if deactivated:
            self.redis.sadd(self._k("deactivated"), user_id)
        else:
            self.redis.srem(self._k("deactivated"), user_id)

    def is_deactivated(self, user_id: int) -> bool:
        return bool(self.redis.sismember(self._k("deactivated"), user_id))

    def bind_key(self, key_id: int, user_id: int) -> None:
        self.redis.set(self._k("key-user", key_id), user_id)

    def bound_user(self, key_id: int) -> int | None:
        value = _text(self.redis.get(self._k("key-user", key_id)))
        return int(value) if value else None

    def set_pending_password(self, key_id: int, user_id: int | None) -> None:
        if user_id is None:
            self.redis.delete(self._k("pending-2fa", key_id))
        else:
            # A login waiting for its password; Telegram forgets it too after a while.
            self.redis.set(self._k("pending-2fa", key_id), user_id, ex=3600)

    def pending_password(self, key_id: int) -> int | None:
        value = _text(self.redis.get(self._k("pending-2fa", key_id)))
        return int(value) if value else None

    def kill_key(self, key_id: int) -> None:
        self.redis.sadd(self._k("dead-keys"), key_id)

    def is_key_dead(self, key_id: int) -> bool:
        return bool(self.redis.sismember(self._k("dead-keys"), key_id))

    def hold_connection(self, key_id: int, sender_id: str, ttl: float) -> bool:
        ttl_ms = max(int(ttl * 1000), 1)
        return bool(self._hold(keys=[self._k("live", key_id)], args=[sender_id, ttl_ms]))

    def release_connection(self, key_id: int, sender_id: str) -> None:
        self._release(keys=[self._k("live", key_id)], args=[sender_id])

    def connection_holder(self, key_id: int) -> str | None:
        return _text(self.redis.get(self._k("live", key_id)))

    def set_faults(self, faults: Mapping[str, Any] | FaultConfig | None) -> None:
        value = _fault_json(faults)
        if value is None:
            self.redis.delete(self._k("faults"))
        else:
            self.redis.set(self._k("faults"), value)

    def faults(self) -> FaultConfig | None:
        value = _text(self.redis.get(self._k("faults")))
        return FaultConfig.from_dict(json.loads(value)) if value else None
