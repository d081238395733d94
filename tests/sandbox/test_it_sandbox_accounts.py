"""Accounts, sessions and login through Telethon's own methods."""

from __future__ import annotations

import base64

import pytest
from telethon import TelegramClient, errors, functions, types
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from platforms.telegram.sandbox import (
    LOGIN_CODE,
    SANDBOX_DC,
    TWO_FA_PASSWORD,
    SandboxSessionError,
    attach,
    sandbox_account,
    sandbox_phone,
    sandbox_session_string,
)
from platforms.telegram.sandbox.srp import PRIME_BYTES

from .conftest import Harness


def test_it_makes_real_looking_deterministic_sessions() -> None:
    text = sandbox_session_string(1)
    assert text == sandbox_session_string(1)  # same in every process
    assert text != sandbox_session_string(2)
    assert text[0] == "1" and len(text) == 353  # Telethon's StringSession format
    session = StringSession(text)
    assert (session.dc_id, session.server_address, session.port) == SANDBOX_DC
    assert len(session.auth_key.key) == 256
    assert base64.urlsafe_b64decode(text[1:])  # plain urlsafe base64, like a real one
    assert sandbox_phone(1) == "+9996600001"
    assert sandbox_phone(20001) == "+9996620001" and sandbox_account(20001).has_2fa
    assert not sandbox_account(1).has_2fa


def test_it_uses_telethons_known_good_prime() -> None:
    from telethon.password import check_prime_and_good

    check_prime_and_good(PRIME_BYTES, 3)  # raises if not accepted


async def test_it_answers_get_me_with_the_accounts_own_user(sandbox: Harness) -> None:
    client = sandbox.client(7)
    me = await client.get_me()
    account = sandbox_account(7)
    assert me.is_self and me.id == account.user_id
    assert me.phone == "9996600007" and me.first_name == "Sandbox"
    assert await client.is_user_authorized()
    # connect() is a harmless no-op on an attached client.
    await client.connect()
    assert client.is_connected() and (await client.get_me()).id == account.user_id


async def test_it_refuses_forged_and_missing_keys(sandbox: Harness) -> None:
    forged = StringSession()
    forged.set_dc(*SANDBOX_DC)
    forged.auth_key = AuthKey(bytes(range(256)))
    client = sandbox.client(session=forged.save())
    assert await client.get_me() is None  # Telethon turns 401 into None
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await client(functions.updates.GetStateRequest())

    bare = TelegramClient(StringSession(), api_id=1, api_hash="x")
    with pytest.raises(SandboxSessionError):
        attach(bare, state=sandbox.state)


async def test_it_logs_in_without_2fa_and_the_saved_session_works_elsewhere(
    sandbox: Harness,
) -> None:
    phone = sandbox_phone(42)
    client = sandbox.login_client()
    assert await client.get_me() is None
    sent = await client.send_code_request(phone)
    assert isinstance(sent, types.auth.SentCode) and sent.phone_code_hash
    with pytest.raises(errors.PhoneCodeInvalidError):
        await client.sign_in(phone, "11111")
    me = await client.sign_in(phone, LOGIN_CODE)
    assert me.id == sandbox_account(42).user_id and me.phone == "9996600042"
    saved = client.session.save()
    await client.disconnect()

    # A fresh client and a fresh sender, sharing only the state.
    again = sandbox.client(session=saved)
    assert (await again.get_me()).id == sandbox_account(42).user_id


async def test_it_logs_in_with_2fa_and_verifies_the_srp_proof(sandbox: Harness) -> None:
    phone = sandbox_phone(20001)
    client = sandbox.login_client()
    await client.send_code_request(phone)
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(phone, LOGIN_CODE)
    assert await client.get_me() is None  # still not logged in
    # Any request that needs a user says why, as Telegram does, not "unregistered".
    with pytest.raises(errors.SessionPasswordNeededError):
        await client(functions.contacts.ResolveUsernameRequest("sandbox_group_1k"))
    with pytest.raises(errors.PasswordHashInvalidError):
        await client.sign_in(password="not-the-password")
    me = await client.sign_in(password=TWO_FA_PASSWORD)
    assert me.id == sandbox_account(20001).user_id
    saved = client.session.save()
    await client.disconnect()
    assert (await sandbox.client(session=saved).get_me()).phone == "9996620001"


async def test_it_rejects_bad_phones_and_foreign_code_hashes(sandbox: Harness) -> None:
    client = sandbox.login_client()
    with pytest.raises(errors.PhoneNumberInvalidError):
        await client.send_code_request("+15551234567")
    with pytest.raises(errors.PhoneCodeExpiredError):
        await client(functions.auth.SignInRequest(sandbox_phone(3), "0123abcd", LOGIN_CODE))
    # A key that never logged in cannot read anything.
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await client(functions.contacts.ResolveUsernameRequest("sandbox_group_1k"))


async def test_it_answers_deactivated_accounts_user_deactivated_ban(sandbox: Harness) -> None:
    account = sandbox_account(9)
    sandbox.state.set_deactivated(account.user_id)
    client = sandbox.client(9)
    with pytest.raises(errors.UserDeactivatedBanError):
        await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
    with pytest.raises(errors.PhoneNumberBannedError):
        await sandbox.login_client().send_code_request(account.phone_e164)


async def test_it_kills_a_key_used_by_two_live_connections(sandbox: Harness) -> None:
    first = sandbox.client(11)
    assert await first.get_me() is not None
    second = sandbox.client(11)  # same session, another "process"
    with pytest.raises(errors.AuthKeyDuplicatedError):
        await second.get_me()
    # The key is dead for everyone now, like on Telegram.
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await first(functions.users.GetUsersRequest([types.InputUserSelf()]))
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await sandbox.client(11)(functions.updates.GetStateRequest())


async def test_it_allows_one_connection_after_another(sandbox: Harness) -> None:
    first = sandbox.client(12)
    assert await first.get_me() is not None
    await first.disconnect()
    assert await sandbox.client(12).get_me() is not None  # sequential use is fine


async def test_it_keeps_an_idle_connection_live_and_expires_a_dead_one(sandbox: Harness) -> None:
    import asyncio

    idle = sandbox.client(13, live_ttl=0.3)
    assert await idle.get_me() is not None
    await asyncio.sleep(1.0)  # no requests, but the heartbeat keeps it registered
    with pytest.raises(errors.AuthKeyDuplicatedError):
        await sandbox.client(13, live_ttl=0.3).get_me()

    # A crashed process: registered, then silent. Its registration expires after the TTL.
    key_id = AuthKey(StringSession(sandbox_session_string(14)).auth_key.key).key_id
    assert sandbox.state.hold_connection(key_id, "crashed-worker", 0.3)
    await asyncio.sleep(0.4)
    assert await sandbox.client(14, live_ttl=0.3).get_me() is not None


async def test_it_answers_unimplemented_requests_with_a_clear_error(sandbox: Harness) -> None:
    client = sandbox.client(1)
    with pytest.raises(errors.RPCError) as caught:
        await client(functions.help.GetConfigRequest())
    assert caught.value.code == 400
    assert "SANDBOX_NOT_IMPLEMENTED_GetConfig" in str(caught.value)


async def test_it_logs_out(sandbox: Harness) -> None:
    client = sandbox.client(15)
    assert await client.log_out()
    assert await sandbox.client(15).get_me() is None


async def test_it_asks_for_the_password_on_a_saved_half_finished_login(sandbox: Harness) -> None:
    phone = sandbox_phone(20003)
    client = sandbox.login_client()
    await client.send_code_request(phone)
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.sign_in(phone, LOGIN_CODE)
    saved = client.session.save()  # e.g. stored by a login form that was never finished
    await client.disconnect()

    resumed = sandbox.client(session=saved)
    with pytest.raises(errors.SessionPasswordNeededError):
        await resumed(functions.users.GetUsersRequest([types.InputUserSelf()]))
    assert not await resumed.is_user_authorized()
    # The password still finishes that login; a login key that got no code is just unknown.
    me = await resumed.sign_in(password=TWO_FA_PASSWORD)
    assert me.id == sandbox_account(20003).user_id
    fresh = sandbox.login_client()
    with pytest.raises(errors.AuthKeyUnregisteredError):
        await fresh(functions.users.GetUsersRequest([types.InputUserSelf()]))
