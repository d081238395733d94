"""Injected faults: random FLOOD_WAITs on data requests, configured through the shared state.

Set from anywhere that reaches the state (a test, a management shell), read by every worker on
each data request, e.g.::

    state.set_faults({"flood_rate": 0.2, "flood_seconds": [1, 3], "seed": 7})

A request is the n-th faultable request overall (a counter in the state); whether it floods and
for how long is a pure function of (seed, n), so a single-process run is reproducible.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Requests that read a community's data: what a collector pages through.
DEFAULT_FAULT_REQUESTS = frozenset({"GetParticipants", "GetHistory", "GetReplies"})
_KNOWN_KEYS = {"flood_rate", "flood_seconds", "seed", "requests"}


@dataclass(frozen=True, slots=True)
class FaultConfig:
    flood_rate: float = 0.0  # fraction of faultable requests answered FLOOD_WAIT_N
    flood_seconds: tuple[int, int] = (1, 3)  # N is drawn uniformly from this inclusive range
    seed: int = 0
    # Request names without the "Request" suffix (GetParticipants, GetHistory, GetReplies...).
    requests: frozenset[str] = DEFAULT_FAULT_REQUESTS

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FaultConfig:
        unknown = set(data) - _KNOWN_KEYS
        if unknown:
            raise ValueError(
                f"unknown fault settings {sorted(unknown)}; known: {sorted(_KNOWN_KEYS)}"
            )
        rate = float(data.get("flood_rate", 0.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("flood_rate must be within 0..1")
        seconds = data.get("flood_seconds", (1, 3))
        if isinstance(seconds, int):
            seconds = (seconds, seconds)
        low, high = (int(s) for s in seconds)
        if not 0 <= low <= high:
            raise ValueError("flood_seconds must be [low, high] with 0 <= low <= high")
        requests = data.get("requests")
        return cls(
            flood_rate=rate,
            flood_seconds=(low, high),
            seed=int(data.get("seed", 0)),
            requests=frozenset(requests) if requests is not None else DEFAULT_FAULT_REQUESTS,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "flood_rate": self.flood_rate,
            "flood_seconds": list(self.flood_seconds),
            "seed": self.seed,
            "requests": sorted(self.requests),
        }

    def applies_to(self, request_name: str) -> bool:
        return self.flood_rate > 0 and request_name in self.requests

    def flood_for(self, n: int) -> int | None:
        """Seconds of FLOOD_WAIT for the n-th faultable request, or None for no fault."""
        rng = random.Random(f"{self.seed}:{n}")
        if rng.random() >= self.flood_rate:
            return None
        return rng.randint(*self.flood_seconds)


def request_name(request: object) -> str:
    return type(request).__name__.removesuffix("Request")
