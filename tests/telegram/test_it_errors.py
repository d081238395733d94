"""Clear outcomes, never tracebacks: target errors fail the task with a sentence,
account errors move the task to another account with the checkpoint reached."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from django.conf import settings
from telethon import errors, functions, types
from telethon.crypto import AuthKey
from telethon.sessions import StringSession

from platforms.base import AccountCredentials
from platforms.errors import (
    AccountBanned,
    AccountCooling,
    AccountLimited,
    AccountProblem,
    AccountUnauthorized,
    InvalidQuery,
    PlatformError,
    TargetError,
)
from platforms.telegram.adapter import TelegramAdapter
from platforms.telegram.client import open_login_client, sandbox_state
from platforms.telegram.errors import PasswordNeeded, SlowModeWait, Unreachable, translate
from platforms.telegram.sandbox import (
    LOGIN_CODE,
    SANDBOX_DC,
    TWO_FA_PASSWORD,
    World,
    sandbox_account,
    sandbox_phone,
)


def ids(values: Any) -> set[str]:
    return {str(v) for v in values}


# --- target errors, from the sandbox ------------------------------------------------------


def a_persons_username(world: World) -> str:
    return next(
        p.username for p in (world.person(i) for i in range(14, 200)) if p.username and not p.is_bot
    )


@pytest.mark.parametrize(
    ("link", "settings_", "message"),
    [
        (
            "@sandbox_nobody_has_this",
            {},
            "No Telegram group or channel is called @sandbox_nobody_has_this.",
        ),
        ("@ab", {}, "@ab is not a valid Telegram username."),
        ("@sandbox_banned", {}, "The account is banned from this chat."),
        ("https://t.me/+SandboxExpired", {}, "This invite link has expired."),
        ("https://t.me/+NoSuchInvite42", {}, "This invite link is not valid."),
        (
            "https://t.me/c/2100000011/5",
            {},
            "The account is not a member of this private channel, so its link cannot be opened.",
        ),
        (
            "https://t.me/+SandboxInvite1",
            {},
            'The account is not a member of this private group. Set "join": true in the '
            "task's settings to let the account join it.",
        ),
        (
            "@sandbox_admin_only",
            {"sources": ["members"]},
            "Telegram shows this group's member list only to its admins (admin rights "
            'required). Collect its message authors instead ("sources": ["authors"]).',
        ),
        (
            "@sandbox_hidden",
            {"sources": ["members"]},
            "This group hides its member list: Telegram shows it only to the group's admins. "
            'Collect its message authors instead ("sources": ["authors"]).',
        ),
        (
            "@sandbox_channel",
            {"sources": ["members"]},
            "Telegram lists a channel's subscribers only to its admins, and a channel has no "
            'message authors besides them: collect its commenters instead ("sources": '
            '["commenters"]).',
        ),
        (
            "@sandbox_group_1k",
            {"sources": ["commenters"]},
            "Groups have no commenters; collect members or message authors.",
        ),
        (
            "@sandbox_quiet",
            {},
            "Comments are disabled on this channel, so it has no commenters to collect.",
        ),
        (
            "https://t.me/sandbox_channel/9999",
            {},
            "This post has no comments: comments are disabled or the post does not exist.",
        ),
    ],
)
def test_it_fails_a_target_it_cannot_collect_with_a_clear_sentence(
    link: str, settings_: dict[str, Any], message: str, collect: Any
) -> None:
    run = collect(TelegramAdapter.normalize_target(link), **settings_)
    assert isinstance(run.error, TargetError)
    assert str(run.error) == message
    assert run.batches == []


def test_it_refuses_a_person_as_a_target(collect: Any, world: World) -> None:
    name = a_persons_username(world)
    run = collect(f"@{name}")
    assert str(run.error) == f"@{name} is a person, not a group or channel."


def test_it_says_private_when_the_account_is_removed_from_a_group_mid_task(
    account: Any, parse_options: Any, world: World
) -> None:
    async def scenario() -> tuple[int, PlatformError]:
        adapter = TelegramAdapter()
        await adapter.authenticate(account(1))
        batches = adapter.parse_target(
            "https://t.me/+SandboxInvite1", parse_options(user_limit=1000, join=True)
        )
        try:
            first = await anext(batches)
            assert adapter.client is not None
            group = await adapter.client.get_entity(
                types.PeerChannel(world.spec("sandbox_invite_group").id)
            )
            await adapter.client(functions.channels.LeaveChannelRequest(group))
            with pytest.raises(PlatformError) as caught:
                await anext(batches)
            return len(first.records), caught.value
        finally:
            await batches.aclose()
            await adapter.cleanup()

    collected, error = asyncio.run(scenario())
    assert collected == 200
    assert isinstance(error, TargetError)
    assert str(error) == (
        "This channel or group is private and the account is not a member of it "
        "(or was removed from it)."
    )


# --- account errors, from the sandbox ------------------------------------------------------


def test_it_reports_an_unknown_session_as_unauthorized(collect: Any) -> None:
    forged = StringSession()
    forged.set_dc(*SANDBOX_DC)
    forged.auth_key = AuthKey(os.urandom(256))

    async def scenario() -> None:
        adapter = TelegramAdapter()
        try:
            await adapter.authenticate(
                AccountCredentials(label="forged", kind="sandbox", session=forged.save())
            )
        finally:
            await adapter.cleanup()

    with pytest.raises(AccountUnauthorized) as caught:
        asyncio.run(scenario())
    assert str(caught.value) == (
        "Telegram no longer knows this session (AUTH_KEY_UNREGISTERED): log the account in again"
    )
    assert caught.value.status == "unauthorized"


def test_it_reports_a_session_used_from_two_places_as_duplicated(account: Any) -> None:
    async def scenario() -> PlatformError:
        first, second = TelegramAdapter(), TelegramAdapter()
        try:
            await first.authenticate(account(3))
            with pytest.raises(AccountProblem) as caught:
                await second.authenticate(account(3))
            return caught.value
        finally:
            await first.cleanup()
            await second.cleanup()

    error = asyncio.run(scenario())
    assert isinstance(error, AccountUnauthorized)
    assert "(AUTH_KEY_DUPLICATED)" in str(error)


async def _authenticate(session: str) -> types.User:
    adapter = TelegramAdapter()
    try:
        await adapter.authenticate(
            AccountCredentials(label="half", kind="sandbox", session=session)
        )
        assert adapter.me is not None
        return adapter.me
    finally:
        await adapter.cleanup()


def test_it_reports_a_login_stopped_before_its_two_step_password(account: Any) -> None:
    phone = sandbox_phone(20002)  # an account with two-step verification

    async def half_login() -> str:
        client = await open_login_client("sandbox")  # the service's own login path
        try:
            await client.send_code_request(phone)
            with pytest.raises(errors.SessionPasswordNeededError):
                await client.sign_in(phone, LOGIN_CODE)
            return client.session.save()
        finally:
            await client.disconnect()

    session = asyncio.run(half_login())
    with pytest.raises(AccountUnauthorized) as caught:
        asyncio.run(_authenticate(session))
    error = caught.value
    assert type(error) is PasswordNeeded and not isinstance(error, AccountBanned)
    assert error.status == "unauthorized"
    assert str(error) == (
        "the account has two-step verification and its login was not finished "
        "(SESSION_PASSWORD_NEEDED): log it in again with its password"
    )

    # Not a dead session: the password finishes that same login, and the session works.
    async def finish() -> str:
        client = await open_login_client("sandbox", session)
        try:
            await client.sign_in(password=TWO_FA_PASSWORD)
            return client.session.save()
        finally:
            await client.disconnect()

    me = asyncio.run(_authenticate(asyncio.run(finish())))
    assert me.id == sandbox_account(20002).user_id


def test_it_reports_a_banned_account_and_another_account_finishes_the_task(
    collect: Any, world: World
) -> None:
    banned = collect("@sandbox_ban_once", account=1, user_limit=5000)
    assert isinstance(banned.error, AccountBanned)
    assert str(banned.error) == "Telegram banned this account (USER_DEACTIVATED_BAN)"
    assert banned.error.status == "banned"
    # The account stays banned ...
    assert isinstance(collect("@sandbox_group_1k", account=1).error, AccountBanned)
    # ... and the next account collects everything.
    rest = collect("@sandbox_ban_once", account=2, user_limit=5000, checkpoint=banned.checkpoint)
    assert rest.ids == ids(world.expected_listed_user_ids("sandbox_ban_once"))


# --- flood waits -------------------------------------------------------------------------------


def test_it_sleeps_through_flood_waits_below_the_threshold(collect: Any, world: World) -> None:
    state = sandbox_state()
    state.set_faults(
        {"flood_rate": 0.4, "flood_seconds": [1, 1], "seed": 3, "requests": ["GetParticipants"]}
    )
    run = collect("@sandbox_group_1k", user_limit=1000)
    assert run.error is None
    assert run.ids == ids(world.expected_listed_user_ids("sandbox_group_1k"))
    assert state.counter("faults:injected") >= 1


def test_it_stops_on_a_flood_wait_above_the_threshold_with_the_checkpoint_reached(
    collect: Any, world: World
) -> None:
    # sandbox_flood answers FLOOD_WAIT_600 once, to the first request for a second page.
    cooled = collect("@sandbox_flood", account=1, user_limit=5000)
    assert isinstance(cooled.error, AccountCooling)
    assert str(cooled.error) == "account cooling for 600 s"
    assert cooled.error.seconds == 600 and cooled.error.status == "cooling"
    assert len(cooled.batches) == 1 and cooled.checkpoint["offset"] == 200
    # Another account continues from the checkpoint and the union is the whole group.
    rest = collect(
        "@sandbox_flood",
        account=2,
        user_limit=5000,
        checkpoint=cooled.checkpoint,
        known=cooled.ids,
    )
    assert rest.error is None
    assert not rest.ids & cooled.ids
    assert cooled.ids | rest.ids == ids(world.expected_listed_user_ids("sandbox_flood"))


def test_it_turns_any_flood_wait_over_the_configured_threshold_into_cooling(
    collect: Any,
) -> None:
    seconds = settings.TELEGRAM_FLOOD_SLEEP_THRESHOLD + 1
    sandbox_state().set_faults(
        {"flood_rate": 1.0, "flood_seconds": [seconds, seconds], "requests": ["GetHistory"]}
    )
    run = collect("@sandbox_hidden", user_limit=1000)
    assert isinstance(run.error, AccountCooling)
    assert run.error.seconds == seconds
    assert str(run.error) == f"account cooling for {seconds} s"


def test_it_cools_the_account_when_short_flood_waits_never_end(collect: Any) -> None:
    sandbox_state().set_faults(
        {"flood_rate": 1.0, "flood_seconds": [1, 1], "requests": ["GetParticipants"]}
    )
    run = collect("@sandbox_group_1k", user_limit=300)
    assert isinstance(run.error, AccountCooling)
    assert run.error.seconds == 1


def test_it_does_not_store_profiles_without_bios_when_a_long_wait_interrupts_them(
    collect: Any, world: World
) -> None:
    sandbox_state().set_faults(
        {"flood_rate": 1.0, "flood_seconds": [600, 600], "requests": ["GetFullUser"]}
    )
    cooled = collect("@sandbox_group_1k", account=1, user_limit=300, full_profile=True)
    assert isinstance(cooled.error, AccountCooling)
    assert cooled.records == []  # nobody was yielded without the bio asked for
    sandbox_state().set_faults(None)
    rest = collect(
        "@sandbox_group_1k", account=2, user_limit=300, full_profile=True, known=cooled.ids
    )
    assert len(rest.ids) == 300
    for record in rest.records:
        person = world.person_by_id(int(record.platform_id))
        assert person is not None
        if person.is_deleted:
            assert "bio" not in record.metadata
        else:
            assert record.metadata["bio"] == (person.about or "")


# --- errors injected by the sandbox, through Telethon's own code path -------------------------

# Above the flood sleep threshold, or Telethon would sleep through the slow mode and retry.
SLOW_MODE = settings.TELEGRAM_FLOOD_SLEEP_THRESHOLD + 30

INJECTED = [
    # (error the sandbox answers, outcome class, pool status, rest seconds, the exact sentence)
    (
        "PEER_FLOOD",
        AccountLimited,
        "cooling",
        6 * 3600,
        "Telegram limited this account for sending too many requests (PEER_FLOOD)",
    ),
    (
        f"SLOWMODE_WAIT_{SLOW_MODE}",
        SlowModeWait,
        "cooling",
        SLOW_MODE,
        f"the chat's slow mode makes the account wait {SLOW_MODE} s",
    ),
    (
        "AUTH_KEY_UNREGISTERED",
        AccountUnauthorized,
        "unauthorized",
        0,
        "Telegram no longer knows this session (AUTH_KEY_UNREGISTERED): log the account in again",
    ),
    (
        "SESSION_REVOKED",
        AccountUnauthorized,
        "unauthorized",
        0,
        "the session was ended from another device (SESSION_REVOKED): log the account in again",
    ),
    (
        "USER_DEACTIVATED",
        AccountBanned,
        "banned",
        0,
        "Telegram deactivated this account (USER_DEACTIVATED)",
    ),
]


@pytest.mark.parametrize(("error", "outcome", "status", "seconds", "sentence"), INJECTED)
def test_it_turns_each_injected_telegram_error_into_its_own_outcome(
    error: str, outcome: type, status: str, seconds: int, sentence: str, collect: Any
) -> None:
    state = sandbox_state()
    state.set_faults({"error": error, "rate": 1.0, "requests": ["GetParticipants"]})
    run = collect("@sandbox_group_1k", user_limit=1000)
    assert type(run.error) is outcome
    assert run.error.status == status and run.error.seconds == seconds
    assert str(run.error) == sentence
    assert run.batches == []
    # One answer, no retry: Telethon retries none of these (the slow mode is over its threshold).
    assert state.counter("faults:injected") == 1


def test_it_keeps_the_checkpoint_when_an_injected_error_stops_a_task_midway(
    collect: Any, world: World
) -> None:
    # The members list goes through; the history walk after it is refused.
    sandbox_state().set_faults({"error": "PEER_FLOOD", "requests": ["GetHistory"]})
    limited = collect(
        "@sandbox_group_1k", account=1, user_limit=5000, sources=["members", "authors"]
    )
    assert isinstance(limited.error, AccountLimited)
    assert limited.ids == ids(world.expected_listed_user_ids("sandbox_group_1k"))
    assert limited.checkpoint["stage"] == "members"
    sandbox_state().set_faults(None)
    rest = collect(
        "@sandbox_group_1k",
        account=2,
        user_limit=5000,
        sources=["members", "authors"],
        checkpoint=limited.checkpoint,
        known=limited.ids,
    )
    assert rest.error is None and rest.records == []
    assert {u.platform_id for u in rest.updates} == ids(
        world.expected_author_ids("sandbox_group_1k")
    )


# --- every Telegram error its own outcome ---------------------------------------------------


def rpc(code: int, message: str) -> errors.RPCError:
    """The exception Telethon raises for this RPC error, made the way its sender makes it."""
    return errors.rpc_message_to_error(
        types.RpcError(code, message),
        functions.channels.GetParticipantsRequest(
            channel=types.InputChannelEmpty(),
            filter=types.ChannelParticipantsRecent(),
            offset=0,
            limit=1,
            hash=0,
        ),
    )


ACCOUNT_OUTCOMES = [
    # (code, message, outcome class, pool status, rest seconds or None, words in the message)
    (420, "FLOOD_WAIT_45", AccountCooling, "cooling", 45, "account cooling for 45 s"),
    (420, "FLOOD_PREMIUM_WAIT_20", AccountCooling, "cooling", 20, "account cooling for 20 s"),
    (420, "SLOWMODE_WAIT_60", SlowModeWait, "cooling", 60, "slow mode"),
    (400, "PEER_FLOOD", AccountLimited, "cooling", 6 * 3600, "PEER_FLOOD"),
    (400, "CHANNELS_TOO_MUCH", AccountLimited, "cooling", 24 * 3600, "too many channels"),
    (401, "AUTH_KEY_UNREGISTERED", AccountUnauthorized, "unauthorized", None, "no longer knows"),
    (401, "SESSION_REVOKED", AccountUnauthorized, "unauthorized", None, "another device"),
    (401, "SESSION_EXPIRED", AccountUnauthorized, "unauthorized", None, "expired"),
    (406, "AUTH_KEY_DUPLICATED", AccountUnauthorized, "unauthorized", None, "two places"),
    (401, "USER_DEACTIVATED", AccountBanned, "banned", None, "deactivated"),
    (401, "USER_DEACTIVATED_BAN", AccountBanned, "banned", None, "banned"),
    (401, "SESSION_PASSWORD_NEEDED", PasswordNeeded, "unauthorized", None, "two-step"),
]


@pytest.mark.parametrize(
    ("code", "message", "outcome", "status", "seconds", "words"), ACCOUNT_OUTCOMES
)
def test_it_maps_each_account_error_to_its_own_outcome(
    code: int, message: str, outcome: type, status: str, seconds: int | None, words: str
) -> None:
    result = translate(rpc(code, message))
    assert type(result) is outcome
    assert isinstance(result, AccountProblem)
    assert result.status == status
    if seconds is not None:
        assert result.seconds == seconds
    assert words in str(result)
    assert "Traceback" not in str(result)


def test_it_gives_every_account_error_a_distinct_sentence() -> None:
    sentences = [str(translate(rpc(code, message))) for code, message, *_ in ACCOUNT_OUTCOMES]
    # The two flood waits differ only by their seconds; everything else by its words.
    assert len(set(sentences)) == len(sentences)
    dead = {
        str(translate(rpc(401, m)))
        for m in ("AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "SESSION_EXPIRED")
    }
    password = str(translate(rpc(401, "SESSION_PASSWORD_NEEDED")))
    assert password not in dead and "password" in password


def test_it_does_not_treat_a_missing_two_step_password_as_a_dead_session() -> None:
    result = translate(rpc(401, "SESSION_PASSWORD_NEEDED"))
    assert isinstance(result, PasswordNeeded)
    assert "log it in again with its password" in str(result)


@pytest.mark.parametrize(
    ("code", "message", "sentence"),
    [
        (400, "USERNAME_NOT_OCCUPIED", "No Telegram user, group or channel has this username."),
        (400, "USERNAME_INVALID", "This is not a valid Telegram username."),
        (
            400,
            "CHANNEL_PRIVATE",
            "This channel or group is private and the account is not a member of it "
            "(or was removed from it).",
        ),
        (400, "INVITE_HASH_EXPIRED", "This invite link has expired."),
        (400, "USER_BANNED_IN_CHANNEL", "The account is banned from this chat."),
        (
            400,
            "CHAT_ADMIN_REQUIRED",
            "Telegram shows this only to the chat's admins (CHAT_ADMIN_REQUIRED).",
        ),
        (400, "MSG_ID_INVALID", "This post does not exist or has no comments (MSG_ID_INVALID)."),
        (400, "SOMETHING_NEW", "Telegram refused the request (SOMETHING_NEW)."),
    ],
)
def test_it_maps_target_errors_to_sentences(code: int, message: str, sentence: str) -> None:
    result = translate(rpc(code, message))
    assert type(result) is TargetError
    assert str(result) == sentence


def test_it_maps_a_too_short_query_and_a_lost_connection() -> None:
    assert isinstance(translate(rpc(400, "QUERY_TOO_SHORT")), InvalidQuery)
    lost = translate(ConnectionError("reset"))
    assert isinstance(lost, Unreachable) and lost.status == "cooling" and lost.seconds > 0
    assert translate(KeyError("a bug")) is None  # bugs stay bugs: logged, not disguised
