"""Encryption at rest for platform sessions (e.g. Telethon StringSession strings).

Fernet (AES-128-CBC + HMAC-SHA256, with a timestamp) through :class:`MultiFernet`, so keys
can be rotated: the first key encrypts, every key decrypts, and :meth:`SessionCipher.rotate`
re-encrypts old tokens with the first key. Keys come from settings
(``SESSION_ENCRYPTION_KEYS``); this module has no Django dependency so it can be used and
tested on its own.

Neither keys, plaintexts nor tokens ever appear in exception messages, ``repr()`` or logs:
a session string is a full login to a Telegram account.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = [
    "InvalidSessionKey",
    "SessionCipher",
    "SessionDecryptError",
    "generate_key",
    "parse_keys",
]


class SessionDecryptError(ValueError):
    """A token could not be decrypted: wrong key(s), or a corrupted/tampered token."""


class InvalidSessionKey(ValueError):
    """A configured key is not a Fernet key (32 url-safe base64-encoded bytes)."""


def generate_key() -> str:
    """A new random Fernet key, as text (put it first in ``SESSION_ENCRYPTION_KEYS``)."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(keys: str | Iterable[str]) -> list[str]:
    """Normalise ``"k1,k2"`` or ``["k1", "k2"]`` into a list of non-empty keys, order kept."""
    items = keys.split(",") if isinstance(keys, str) else list(keys)
    return [item.strip() for item in items if item and item.strip()]


class SessionCipher:
    """Encrypts/decrypts session strings; ``keys[0]`` is current, the rest are old keys."""

    __slots__ = ("_current", "_fernet", "_key_count")

    def __init__(self, keys: str | Iterable[str]) -> None:
        # A plain string is accepted as the comma-separated setting, rather than being
        # iterated character by character.
        parsed = parse_keys(keys)
        if not parsed:
            raise InvalidSessionKey("no session encryption key configured")
        fernets: list[Fernet] = []
        for index, key in enumerate(parsed, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):
                # "from None": the chained exception could carry the key material.
                raise InvalidSessionKey(
                    f"session encryption key #{index} of {len(parsed)} is not a valid Fernet "
                    "key (32 url-safe base64-encoded bytes; see generate_key())"
                ) from None
        self._current = fernets[0]
        self._fernet = MultiFernet(fernets)
        self._key_count = len(fernets)

    def __repr__(self) -> str:
        return f"<SessionCipher keys={self._key_count}>"

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the keys into caches/queues (RQ pickles job arguments);
        # build the cipher from settings where it is needed instead.
        raise TypeError("SessionCipher cannot be pickled (it holds secret keys)")

    @property
    def key_count(self) -> int:
        return self._key_count

    def encrypt(self, text: str) -> str:
        """Encrypt ``text`` with the current key; the result is ASCII (url-safe base64)."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | bytes, *, ttl: int | None = None) -> str:
        """Decrypt a token made with any configured key (optionally no older than ``ttl`` s).

        Raises :class:`SessionDecryptError`, whose message never contains the token.
        """
        try:
            return self._fernet.decrypt(_as_bytes(token), ttl=ttl).decode("utf-8")
        except (InvalidToken, ValueError, TypeError):
            # ValueError covers non-ASCII tokens and non-UTF-8 plaintexts; the original
            # exception is dropped because its message/args may include the token.
            raise SessionDecryptError(
                "session data could not be decrypted: it was encrypted with a key that is "
                "not in SESSION_ENCRYPTION_KEYS, or it is corrupted"
            ) from None

    def rotate(self, token: str | bytes) -> str:
        """Re-encrypt a token (made with any configured key) with the current key."""
        try:
            return self._fernet.rotate(_as_bytes(token)).decode("ascii")
        except (InvalidToken, ValueError, TypeError):
            raise SessionDecryptError(
                "session data could not be re-encrypted: it was encrypted with a key that is "
                "not in SESSION_ENCRYPTION_KEYS, or it is corrupted"
            ) from None

    def needs_rotation(self, token: str | bytes) -> bool:
        """True when ``token`` is not decryptable with the current key alone.

        Lets a rotation job skip rows that are already up to date.
        """
        try:
            self._current.decrypt(_as_bytes(token))
        except (InvalidToken, ValueError, TypeError):
            return True
        return False


def _as_bytes(token: str | bytes) -> bytes:
    if isinstance(token, bytes):
        return token
    if isinstance(token, str):
        return token.encode("ascii")  # a non-ASCII str is not a token: UnicodeEncodeError
    raise TypeError("a session token must be str or bytes")
