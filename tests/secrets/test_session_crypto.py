"""platforms.crypto: session encryption at rest with key rotation."""

from __future__ import annotations

import logging
import pickle

import pytest
from bao_server import Bao

from parser_project.secrets import SecretSource
from platforms.crypto import (
    InvalidSessionKey,
    SessionCipher,
    SessionDecryptError,
    generate_key,
)

# Shaped like a Telethon StringSession: a full login to an account if it leaked.
PLAINTEXT = "1BVtsOHkBu7Xc-session-string-ünïcode"


def test_it_round_trips_a_session_string() -> None:
    cipher = SessionCipher([generate_key()])

    token = cipher.encrypt(PLAINTEXT)

    assert cipher.decrypt(token) == PLAINTEXT
    assert cipher.decrypt(token.encode()) == PLAINTEXT
    assert token.isascii()


def test_it_does_not_leave_the_plaintext_in_the_ciphertext() -> None:
    cipher = SessionCipher([generate_key()])

    token = cipher.encrypt(PLAINTEXT)

    assert PLAINTEXT not in token
    assert "session-string" not in token
    assert cipher.encrypt(PLAINTEXT) != token  # random IV: equal inputs do not match


def test_it_rotates_keys_with_multifernet() -> None:
    old_key, new_key = generate_key(), generate_key()
    old_token = SessionCipher([old_key]).encrypt(PLAINTEXT)
    rotating = SessionCipher([new_key, old_key])

    assert rotating.decrypt(old_token) == PLAINTEXT  # old key still decrypts
    assert rotating.needs_rotation(old_token)

    rotated = rotating.rotate(old_token)

    assert SessionCipher([new_key]).decrypt(rotated) == PLAINTEXT  # new key alone suffices
    assert not rotating.needs_rotation(rotated)
    with pytest.raises(SessionDecryptError):
        SessionCipher([old_key]).decrypt(rotated)
    # New data is always written with the first (current) key.
    assert SessionCipher([new_key]).decrypt(rotating.encrypt("fresh")) == "fresh"


def test_it_accepts_the_comma_separated_setting() -> None:
    first, second = generate_key(), generate_key()
    cipher = SessionCipher(f" {first} , {second},")

    assert cipher.key_count == 2
    assert SessionCipher([first]).decrypt(cipher.encrypt("x")) == "x"


def test_it_raises_a_clear_error_for_a_wrong_key_without_echoing_the_token() -> None:
    token = SessionCipher([generate_key()]).encrypt(PLAINTEXT)

    with pytest.raises(SessionDecryptError) as excinfo:
        SessionCipher([generate_key()]).decrypt(token)

    error = excinfo.value
    assert "could not be decrypted" in str(error)
    assert token not in str(error) and token not in repr(error.args)
    assert PLAINTEXT not in str(error)
    assert error.__cause__ is None and error.__suppress_context__  # nothing chained to leak


@pytest.mark.parametrize("garbage", ["not-a-token", "", "ünïcode", "gAAAAA" + "A" * 80])
def test_it_raises_session_decrypt_error_for_garbage(garbage: str) -> None:
    cipher = SessionCipher([generate_key()])

    with pytest.raises(SessionDecryptError):
        cipher.decrypt(garbage)
    with pytest.raises(SessionDecryptError):
        cipher.rotate(garbage)


def test_it_never_shows_keys_in_repr_errors_or_pickles(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    key = generate_key()
    cipher = SessionCipher([key, generate_key()])
    cipher.decrypt(cipher.encrypt(PLAINTEXT))

    assert repr(cipher) == "<SessionCipher keys=2>"
    assert key not in caplog.text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(cipher)

    broken = key[:-4]
    with pytest.raises(InvalidSessionKey, match="key #2 of 2") as excinfo:
        SessionCipher([key, broken])
    assert broken not in str(excinfo.value)
    with pytest.raises(InvalidSessionKey, match="no session encryption key"):
        SessionCipher([])


def test_it_builds_the_cipher_from_keys_stored_in_vault(bao: Bao) -> None:
    source = SecretSource(bao.approle_env())
    keys = source.get_list("SESSION_ENCRYPTION_KEYS", required=True)

    cipher = SessionCipher(keys)

    assert source.source_of("SESSION_ENCRYPTION_KEYS") == "vault"
    assert keys == list(bao.session_keys)
    assert SessionCipher(keys[:1]).decrypt(cipher.encrypt(PLAINTEXT)) == PLAINTEXT
