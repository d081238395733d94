"""Deterministic randomness for the sandbox world.

Every generated value is a pure function of the world seed and a few labels, computed with
BLAKE2b. Python's `hash()` is salted per process and `random` without a seed differs per run;
the sandbox must give the same world in every process (web, workers, tests), so neither is used
for anything that ends up in the world.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_TWO_64 = float(1 << 64)


class Dice:
    """Named, reproducible random draws derived from one secret."""

    def __init__(self, secret: bytes) -> None:
        # BLAKE2b keys are limited to 64 bytes; the secret is a SHA-256 digest anyway.
        self._key = hashlib.sha256(secret).digest()

    def digest(self, *labels: object, size: int = 32) -> bytes:
        h = hashlib.blake2b(digest_size=size, key=self._key)
        for label in labels:
            h.update(str(label).encode("utf-8"))
            h.update(b"\x1f")  # separator so ("ab", "c") != ("a", "bc")
        return h.digest()

    def u64(self, *labels: object) -> int:
        return int.from_bytes(self.digest(*labels, size=8), "big")

    def signed64(self, *labels: object) -> int:
        """A signed 64-bit value, e.g. an access hash (TL `long` is signed)."""
        return int.from_bytes(self.digest(*labels, size=8), "big", signed=True)

    def unit(self, *labels: object) -> float:
        """A float in [0, 1)."""
        return self.u64(*labels) / _TWO_64

    def choice(self, options: Sequence[T], *labels: object) -> T:
        return options[self.u64(*labels) % len(options)]

    def rng(self, *labels: object) -> random.Random:
        """A private `random.Random` for generating a whole structure (a history, a thread).

        Seeded with an int derived from the labels, which `random` handles identically on every
        platform and Python version the project supports.
        """
        return random.Random(int.from_bytes(self.digest("rng", *labels, size=16), "big"))

    def expand(self, length: int, *labels: object) -> bytes:
        """`length` pseudo-random bytes (HMAC-like counter mode), e.g. the body of an auth key."""
        out = bytearray()
        block = 0
        while len(out) < length:
            out += self.digest("expand", block, *labels, size=64)
            block += 1
        return bytes(out[:length])


def unit_from(raw: bytes, start: int, width: int = 4) -> float:
    """A float in [0, 1) from a slice of an existing digest (cheaper than a new hash)."""
    return int.from_bytes(raw[start : start + width], "big") / float(1 << (8 * width))
