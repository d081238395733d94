"""What can go wrong while collecting, in words a person understands.

Adapters translate their library's exceptions into these, so the job and the
API never show a traceback and the job knows whether to fail the task or to
move it to another account.
"""

from __future__ import annotations


class PlatformError(Exception):
    """Base class; `str(error)` is a message for the user."""


class UnknownPlatform(PlatformError):
    pass


class PlatformNotAvailable(PlatformError):
    pass


class InvalidTarget(PlatformError):
    """The link cannot be understood at all (answered with 400 at creation)."""


class InvalidQuery(PlatformError):
    """A search query the platform will not accept."""


class TargetError(PlatformError):
    """The target exists in a form we understood, but cannot be collected."""


class AccountProblem(PlatformError):
    """The account in use cannot go on; another account may."""

    status = "cooling"

    def __init__(self, message: str, *, seconds: int = 0) -> None:
        super().__init__(message)
        self.seconds = seconds


class AccountCooling(AccountProblem):
    """A FloodWait longer than we sleep inside a job."""

    status = "cooling"

    def __init__(self, seconds: int) -> None:
        super().__init__(f"account cooling for {seconds} s", seconds=seconds)


class AccountLimited(AccountProblem):
    """PeerFlood: Telegram limits this account for an unknown time."""

    status = "cooling"


class AccountUnauthorized(AccountProblem):
    """The session is no longer logged in (revoked, expired, duplicated)."""

    status = "unauthorized"


class AccountBanned(AccountProblem):
    """The account itself was deactivated or banned by the platform."""

    status = "banned"


class NoAccountAvailable(PlatformError):
    pass
