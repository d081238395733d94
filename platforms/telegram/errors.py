"""Telethon's exceptions, translated into outcomes the service acts on.

Each outcome is a sentence a person can act on. Account problems carry a class
(and so a pool status) that says what to do with the account: rest it
(`cooling`), log it in again (`unauthorized`) or retire it (`banned`). Target
problems fail the task with the sentence as its error.
"""

from __future__ import annotations

from telethon import errors
from telethon.errors.rpcerrorlist import rpc_errors_dict

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

# A spam-limited account (PEER_FLOOD) gets no duration from Telegram: rest it
# this long before trying again.
PEER_FLOOD_COOLDOWN = 6 * 3600
# Joining too many channels is lifted only when the account leaves some.
CHANNELS_TOO_MUCH_COOLDOWN = 24 * 3600
# Telegram could not be reached: another account (or this one, a little later)
# may get through, so the task moves on instead of failing.
UNREACHABLE_COOLDOWN = 60


class SlowModeWait(AccountProblem):
    """SLOWMODE_WAIT_X: a chat's slow mode, not a flood of this account's requests.

    Kept apart from AccountCooling so the pool does not count it as a flood wait
    of the account; the account still rests for the given time.
    """

    status = "cooling"

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"the chat's slow mode makes the account wait {seconds} s", seconds=seconds
        )


class PasswordNeeded(AccountUnauthorized):
    """SESSION_PASSWORD_NEEDED: the login stopped before the two-step password.

    Not a dead account: logging it in again with its password fixes it.
    """


class Unreachable(AccountProblem):
    """The connection to Telegram failed; nothing is wrong with the account itself."""

    status = "cooling"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"Telegram could not be reached ({detail}); trying again later",
            seconds=UNREACHABLE_COOLDOWN,
        )


# Telethon's specific error classes keep only their base class's `message`
# ("UNAUTHORIZED", "BAD_REQUEST"); Telegram's own code is what people search for.
_CODES = {cls: code for code, cls in rpc_errors_dict.items()}


def _code(exc: errors.RPCError) -> str:
    return _CODES.get(type(exc)) or str(exc.message)


def _dead_session(exc: errors.RPCError) -> AccountUnauthorized:
    why = {
        errors.AuthKeyUnregisteredError: "Telegram no longer knows this session",
        errors.AuthKeyInvalidError: "Telegram no longer knows this session",
        errors.SessionRevokedError: "the session was ended from another device",
        errors.SessionExpiredError: "the session expired",
        errors.AuthKeyDuplicatedError: (
            "the session was used from two places at once and Telegram ended it"
        ),
    }[type(exc)]
    return AccountUnauthorized(f"{why} ({_code(exc)}): log the account in again")


_DEAD_SESSION = (
    errors.AuthKeyUnregisteredError,
    errors.AuthKeyInvalidError,
    errors.SessionRevokedError,
    errors.SessionExpiredError,
    errors.AuthKeyDuplicatedError,
)


def translate(exc: BaseException) -> PlatformError | None:
    """The service's outcome for a Telethon exception; None if it is a bug."""
    if isinstance(exc, PlatformError):
        return exc
    # --- the account must rest --------------------------------------------------------
    if isinstance(exc, errors.FloodWaitError | errors.FloodPremiumWaitError):
        # Telethon already slept every wait up to its flood_sleep_threshold;
        # a longer one reaches us and the account must rest.
        return AccountCooling(int(exc.seconds))
    if isinstance(exc, errors.SlowModeWaitError):
        return SlowModeWait(int(exc.seconds))
    if isinstance(exc, errors.PeerFloodError):
        return AccountLimited(
            "Telegram limited this account for sending too many requests (PEER_FLOOD)",
            seconds=PEER_FLOOD_COOLDOWN,
        )
    if isinstance(exc, errors.ChannelsTooMuchError):
        return AccountLimited(
            "the account has joined too many channels (CHANNELS_TOO_MUCH)",
            seconds=CHANNELS_TOO_MUCH_COOLDOWN,
        )
    # --- the account must log in again, or is gone ------------------------------------
    if isinstance(exc, errors.SessionPasswordNeededError):
        # Checked before the other 401s: it is one too, but the account is fine.
        return PasswordNeeded(
            "the account has two-step verification and its login was not finished "
            "(SESSION_PASSWORD_NEEDED): log it in again with its password"
        )
    if isinstance(exc, _DEAD_SESSION):
        return _dead_session(exc)
    if isinstance(exc, errors.UserDeactivatedBanError):
        return AccountBanned("Telegram banned this account (USER_DEACTIVATED_BAN)")
    if isinstance(exc, errors.UserDeactivatedError):
        return AccountBanned("Telegram deactivated this account (USER_DEACTIVATED)")
    if isinstance(exc, errors.UnauthorizedError):
        return AccountUnauthorized(f"Telegram refused the account ({_code(exc)})")
    # --- the target cannot be collected ------------------------------------------------
    if isinstance(exc, errors.UsernameNotOccupiedError):
        return TargetError("No Telegram user, group or channel has this username.")
    if isinstance(exc, errors.UsernameInvalidError):
        return TargetError("This is not a valid Telegram username.")
    if isinstance(exc, errors.ChannelPrivateError):
        return TargetError(
            "This channel or group is private and the account is not a member of it "
            "(or was removed from it)."
        )
    if isinstance(exc, errors.ChatForbiddenError):
        return TargetError("The account is not a member of this group (or was removed from it).")
    if isinstance(
        exc, errors.ChannelInvalidError | errors.PeerIdInvalidError | errors.ChatIdInvalidError
    ):
        return TargetError("The account cannot see this channel or group.")
    if isinstance(exc, errors.UserBannedInChannelError):
        return TargetError("The account is banned from this chat.")
    if isinstance(exc, errors.InviteHashExpiredError):
        return TargetError("This invite link has expired.")
    if isinstance(exc, errors.InviteHashInvalidError | errors.InviteHashEmptyError):
        return TargetError("This invite link is not valid.")
    if isinstance(exc, errors.InviteRequestSentError):
        return TargetError(
            "Joining this group needs an admin's approval; a join request was sent. "
            "Retry the task once it is approved."
        )
    if isinstance(exc, errors.ChatAdminRequiredError):
        return TargetError("Telegram shows this only to the chat's admins (CHAT_ADMIN_REQUIRED).")
    if isinstance(exc, errors.MsgIdInvalidError):
        return TargetError("This post does not exist or has no comments (MSG_ID_INVALID).")
    if isinstance(exc, errors.QueryTooShortError):
        return InvalidQuery("Telegram says this search text is too short.")
    if isinstance(exc, errors.RPCError):
        return TargetError(f"Telegram refused the request ({_code(exc)}).")
    # --- the network ---------------------------------------------------------------------
    if isinstance(exc, ConnectionError | TimeoutError):
        return Unreachable(type(exc).__name__)
    return None


def is_account_problem(error: PlatformError) -> bool:
    return isinstance(error, AccountProblem)
