"""Injected faults on data requests, configured through the shared state: random FLOOD_WAITs,
and any other RPC error Telegram answers (PEER_FLOOD, SLOWMODE_WAIT_X, dead sessions...).

Set from anywhere that reaches the state (a test, a management shell), read by every worker on
each data request, e.g.::

    state.set_faults({"flood_rate": 0.2, "flood_seconds": [1, 3], "seed": 7})
    state.set_faults({"error": "PEER_FLOOD", "rate": 1.0, "requests": ["GetParticipants"]})

A request is the n-th faultable request overall (a counter in the state); whether it fails and
how is a pure function of (seed, n), so a single-process run is reproducible. An injected error
is only that request's answer: it does not kill the key or ban the account for later requests
(the service is expected to stop using the account by itself).
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Requests that read a community's data: what a collector pages through.
DEFAULT_FAULT_REQUESTS = frozenset({"GetParticipants", "GetHistory", "GetReplies"})
_KNOWN_KEYS = {"flood_rate", "flood_seconds", "seed", "requests", "error", "rate"}

# The RPC code Telegram sends each injectable error with; Telethon picks its exception class
# from code and message together, so a wrong code would make a different exception.
ERROR_CODES: dict[str, int] = {
    "PEER_FLOOD": 400,
    "CHANNELS_TOO_MUCH": 400,
    "AUTH_KEY_UNREGISTERED": 401,
    "AUTH_KEY_INVALID": 401,
    "SESSION_REVOKED": 401,
    "SESSION_EXPIRED": 401,
    "SESSION_PASSWORD_NEEDED": 401,
    "USER_DEACTIVATED": 401,
    "USER_DEACTIVATED_BAN": 401,
    "AUTH_KEY_DUPLICATED": 406,
}
# Waits carry their seconds in the message: SLOWMODE_WAIT_60 is 420 with seconds=60.
_WAIT_ERROR = re.compile(r"^(?:FLOOD_WAIT|FLOOD_PREMIUM_WAIT|SLOWMODE_WAIT)_\d+$")
# Anything else with its code spelled out, e.g. "403 CHAT_WRITE_FORBIDDEN".
_EXPLICIT_ERROR = re.compile(r"^([1-9]\d\d) ([A-Z][A-Z0-9_]*)$")


def rpc_error(error: str) -> tuple[int, str]:
    """(code, message) of an injectable error name; ValueError for one the sandbox cannot
    place (give it as "CODE NAME" then)."""
    if error in ERROR_CODES:
        return ERROR_CODES[error], error
    if _WAIT_ERROR.match(error):
        return 420, error
    explicit = _EXPLICIT_ERROR.match(error)
    if explicit:
        return int(explicit.group(1)), explicit.group(2)
    raise ValueError(
        f"unknown fault error {error!r}: use one of {sorted(ERROR_CODES)}, FLOOD_WAIT_N, "
        'SLOWMODE_WAIT_N, FLOOD_PREMIUM_WAIT_N, or "CODE NAME" (e.g. "403 CHAT_WRITE_FORBIDDEN")'
    )


def _rate(value: Any, name: str) -> float:
    rate = float(value)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"{name} must be within 0..1")
    return rate


@dataclass(frozen=True, slots=True)
class FaultConfig:
    flood_rate: float = 0.0  # fraction of faultable requests answered FLOOD_WAIT_N
    flood_seconds: tuple[int, int] = (1, 3)  # N is drawn uniformly from this inclusive range
    seed: int = 0
    # Request names without the "Request" suffix (GetParticipants, GetHistory, GetReplies...).
    requests: frozenset[str] = DEFAULT_FAULT_REQUESTS
    error: str | None = None  # an RPC error answered instead, e.g. "PEER_FLOOD"
    error_rate: float = 1.0  # fraction of faultable requests answered `error` ("rate")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultConfig:
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise ValueError(
                f"unknown fault settings {sorted(unknown)}; known: {sorted(_KNOWN_KEYS)}"
            )
        rate = _rate(data.get("flood_rate", 0.0), "flood_rate")
        seconds = data.get("flood_seconds", (1, 3))
        if isinstance(seconds, int):
            seconds = (seconds, seconds)
        low, high = (int(s) for s in seconds)
        if not 0 <= low <= high:
            raise ValueError("flood_seconds must be [low, high] with 0 <= low <= high")
        requests = data.get("requests")
        error = data.get("error")
        if error is not None:
            error = str(error).strip()
            rpc_error(error)  # validates
        elif "rate" in data:
            raise ValueError('"rate" is the share of requests answered "error": set "error" too')
        return cls(
            flood_rate=rate,
            flood_seconds=(low, high),
            seed=int(data.get("seed", 0)),
            requests=frozenset(requests) if requests is not None else DEFAULT_FAULT_REQUESTS,
            error=error,
            error_rate=_rate(data.get("rate", 1.0), "rate"),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "flood_rate": self.flood_rate,
            "flood_seconds": list(self.flood_seconds),
            "seed": self.seed,
            "requests": sorted(self.requests),
        }
        if self.error is not None:
            out["error"] = self.error
            out["rate"] = self.error_rate
        return out

    def applies_to(self, request_name: str) -> bool:
        injects = self.flood_rate > 0 or (self.error is not None and self.error_rate > 0)
        return injects and request_name in self.requests

    def flood_for(self, n: int) -> int | None:
        """Seconds of FLOOD_WAIT for the n-th faultable request, or None for no fault."""
        rng = random.Random(f"{self.seed}:{n}")
        if rng.random() >= self.flood_rate:
            return None
        return rng.randint(*self.flood_seconds)

    def fault_for(self, n: int) -> tuple[int, str] | None:
        """The RPC error (code, message) for the n-th faultable request, or None.

        `error` is drawn first, from its own sequence, so adding one to a flood setting does
        not change which requests flood when the error is not drawn."""
        if self.error is not None:
            if random.Random(f"{self.seed}:{n}:error").random() < self.error_rate:
                return rpc_error(self.error)
        seconds = self.flood_for(n)
        return None if seconds is None else (420, f"FLOOD_WAIT_{seconds}")


def request_name(request: object) -> str:
    return type(request).__name__.removesuffix("Request")
