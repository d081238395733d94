"""Telethon's exceptions, translated into outcomes the service acts on."""

from __future__ import annotations

from telethon import errors

from platforms.errors import (
    AccountBanned,
    AccountCooling,
    AccountLimited,
    AccountProblem,
    AccountUnauthorized,
    PlatformError,
    TargetError,
)

# A spam-limited account (PEER_FLOOD) gets no duration from Telegram: rest it
# this long before trying again.
PEER_FLOOD_COOLDOWN = 6 * 3600

_DEAD_SESSION = (
    errors.AuthKeyUnregisteredError,
    errors.SessionRevokedError,
    errors.SessionExpiredError,
    errors.AuthKeyInvalidError,
    errors.AuthKeyDuplicatedError,
)
_BANNED = (errors.UserDeactivatedError, errors.UserDeactivatedBanError)


def translate(exc: BaseException) -> PlatformError | None:
    """The service's outcome for a Telethon exception; None if it is a bug."""
    if isinstance(exc, PlatformError):
        return exc
    if isinstance(exc, errors.FloodWaitError | errors.FloodPremiumWaitError):
        # Telethon already slept every wait up to its flood_sleep_threshold;
        # a longer one reaches us and the account must rest.
        return AccountCooling(int(exc.seconds))
    if isinstance(exc, errors.SlowModeWaitError):
        return AccountCooling(int(exc.seconds))
    if isinstance(exc, errors.PeerFloodError):
        return AccountLimited(
            "Telegram limited this account for sending too many requests (PEER_FLOOD)",
            seconds=PEER_FLOOD_COOLDOWN,
        )
    if isinstance(exc, errors.SessionPasswordNeededError):
        # Not a dead account: it only needs its two-step password at login.
        return AccountUnauthorized("the account needs its two-step password: log it in again")
    if isinstance(exc, errors.AuthKeyDuplicatedError):
        return AccountUnauthorized(
            "the session was used from two places at once and Telegram ended it: log in again"
        )
    if isinstance(exc, _DEAD_SESSION):
        return AccountUnauthorized("the session is no longer logged in: log the account in again")
    if isinstance(exc, _BANNED):
        return AccountBanned("Telegram has deactivated or banned this account")
    if isinstance(exc, errors.UsernameNotOccupiedError):
        return TargetError("No Telegram user, group or channel has this username.")
    if isinstance(exc, errors.UsernameInvalidError):
        return TargetError("This is not a valid Telegram username.")
    if isinstance(exc, errors.ChannelPrivateError):
        return TargetError(
            "This channel or group is private and the account is not a member of it "
            "(or was removed from it)."
        )
    if isinstance(exc, errors.ChannelInvalidError | errors.PeerIdInvalidError):
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
    if isinstance(exc, errors.ChannelsTooMuchError):
        return AccountLimited("the account has joined too many channels", seconds=24 * 3600)
    if isinstance(exc, errors.ChatAdminRequiredError):
        return TargetError("Telegram shows this only to the chat's admins.")
    if isinstance(exc, errors.UnauthorizedError):
        return AccountUnauthorized(f"Telegram refused the account ({exc.message})")
    if isinstance(exc, errors.RPCError):
        return TargetError(f"Telegram refused the request ({exc.message}).")
    return None


def is_account_problem(error: PlatformError) -> bool:
    return isinstance(error, AccountProblem)
