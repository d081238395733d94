"""The server half of Telegram's SRP 2FA check (account.getPassword / auth.checkPassword).

Telethon's `password.compute_check` is the client half; this module mirrors it, reusing its
helpers, so the sandbox *verifies* the proof instead of trusting it:

    x = H(password, salts)        v = g^x               (the stored verifier)
    B = k*v + g^b                 u = H(A | B)
    S = (A * v^u)^b               K = H(S)
    M1 = H(H(p) xor H(g), H(salt1), H(salt2), A, B, K)

The secret `b` is derived from (world secret, account, srp_id), so a challenge issued by one
process can be checked by another without shared state.
"""

from __future__ import annotations

import functools
import hmac
import secrets

from telethon import password as tpw
from telethon.tl import types

from .accounts import TWO_FA_HINT, TWO_FA_PASSWORD, SandboxAccount
from .world import World

# Telegram's 2048-bit safe prime with g = 3: the one Telethon's check_prime_and_good accepts
# without factorising (password.py keeps it as a local constant, so it is repeated here).
PRIME_BYTES = bytes.fromhex(
    "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F"
    "48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C37"
    "20FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F64"
    "2477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4"
    "A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754"
    "FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4"
    "E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F"
    "0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B"
)
PRIME = int.from_bytes(PRIME_BYTES, "big")
G = 3


def algo_for(
    world: World, account: SandboxAccount
) -> types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow:  # noqa: E501
    return types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        salt1=world.dice.digest("srp-salt1", account.user_id, size=40),
        salt2=world.dice.digest("srp-salt2", account.user_id, size=32),
        g=G,
        p=PRIME_BYTES,
    )


@functools.lru_cache(maxsize=256)
def _verifier(world: World, account: SandboxAccount) -> int:
    # PBKDF2 with 100,000 rounds (~0.1 s): computed once per account and process.
    x = int.from_bytes(tpw.compute_hash(algo_for(world, account), TWO_FA_PASSWORD), "big")
    return pow(G, x, PRIME)


def _k() -> int:
    return int.from_bytes(
        tpw.sha256(tpw.num_bytes_for_hash(PRIME_BYTES), tpw.big_num_for_hash(G)), "big"
    )


def _secret_b(world: World, account: SandboxAccount, srp_id: int) -> int:
    return int.from_bytes(world.dice.expand(256, "srp-b", account.user_id, srp_id), "big")


def _challenge(world: World, account: SandboxAccount, srp_id: int) -> tuple[int, int] | None:
    """(b, B) for srp_id, or None if this srp_id gives a weak B (the caller picks another)."""
    b = _secret_b(world, account, srp_id)
    g_b = pow(G, b, PRIME)
    if not tpw.is_good_mod_exp_first(g_b, PRIME):
        return None
    big_b = (_k() * _verifier(world, account) + g_b) % PRIME
    if not tpw.is_good_large(big_b, PRIME):
        return None
    return b, big_b


def password_info(world: World, account: SandboxAccount) -> types.account.Password:
    """account.Password as Telegram sends it: with a fresh SRP challenge when 2FA is on."""
    new_algo = types.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow(
        salt1=world.dice.digest("srp-new-salt1", account.user_id, size=8),
        salt2=world.dice.digest("srp-new-salt2", account.user_id, size=16),
        g=G,
        p=PRIME_BYTES,
    )
    new_secure = types.SecurePasswordKdfAlgoPBKDF2HMACSHA512iter100000(
        salt=world.dice.digest("secure-salt", account.user_id, size=8)
    )
    if not account.has_2fa:
        return types.account.Password(
            new_algo=new_algo, new_secure_algo=new_secure, secure_random=secrets.token_bytes(32)
        )
    while True:
        srp_id = secrets.randbits(63)
        challenge = _challenge(world, account, srp_id)
        if challenge is not None:
            break
    return types.account.Password(
        new_algo=new_algo,
        new_secure_algo=new_secure,
        secure_random=secrets.token_bytes(32),
        has_password=True,
        current_algo=algo_for(world, account),
        srp_B=tpw.big_num_for_hash(challenge[1]),
        srp_id=srp_id,
        hint=TWO_FA_HINT,
    )


def check_password(
    world: World, account: SandboxAccount, check: types.TypeInputCheckPasswordSRP
) -> bool:
    """Verify the client's SRP proof M1 for the challenge identified by check.srp_id."""
    if not account.has_2fa or not isinstance(check, types.InputCheckPasswordSRP):
        return False
    challenge = _challenge(world, account, check.srp_id)
    if challenge is None:
        return False
    b, big_b = challenge
    a_int = int.from_bytes(check.A, "big")
    if not tpw.is_good_mod_exp_first(a_int, PRIME):
        return False
    a_for_hash = tpw.big_num_for_hash(a_int)
    b_for_hash = tpw.big_num_for_hash(big_b)
    u = int.from_bytes(tpw.sha256(a_for_hash, b_for_hash), "big")
    v = _verifier(world, account)
    s = pow(a_int * pow(v, u, PRIME) % PRIME, b, PRIME)
    k_hash = tpw.sha256(tpw.big_num_for_hash(s))
    algo = algo_for(world, account)
    m1 = tpw.sha256(
        tpw.xor(
            tpw.sha256(tpw.num_bytes_for_hash(PRIME_BYTES)), tpw.sha256(tpw.big_num_for_hash(G))
        ),
        tpw.sha256(algo.salt1),
        tpw.sha256(algo.salt2),
        a_for_hash,
        b_for_hash,
        k_hash,
    )
    return hmac.compare_digest(m1, bytes(check.M1))
