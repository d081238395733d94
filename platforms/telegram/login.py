"""Logging a Telegram account in: phone, code, two-step password; or importing a session.

Each step is a separate web request, so the half-done login (the new session
and Telegram's phone_code_hash) is carried between steps in a `LoginState`
that the admin keeps encrypted in the user's Django session. The same code
runs against Telegram and against the sandbox (which accepts a fixed code).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from telethon import errors, functions, types
from telethon.sessions import StringSession

from platforms.errors import PlatformError
from platforms.models import PlatformAccount, cipher
from platforms.telegram.client import open_login_client

T = TypeVar("T")


class LoginError(PlatformError):
    pass


@dataclass
class LoginState:
    label: str
    phone: str
    kind: str
    session: str
    phone_code_hash: str = ""

    def seal(self) -> str:
        """Encrypted for storage in the web session: it holds a live auth key."""
        import json

        return cipher().encrypt(json.dumps(asdict(self)))

    @classmethod
    def unseal(cls, token: str) -> LoginState:
        import json

        return cls(**json.loads(cipher().decrypt(token)))


def _run(coro: Awaitable[T]) -> T:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


_MESSAGES: list[tuple[type[BaseException], str]] = [
    (errors.PhoneNumberInvalidError, "Telegram says this phone number is not valid."),
    (errors.PhoneNumberBannedError, "Telegram has banned this phone number."),
    (errors.PhoneCodeInvalidError, "The code is wrong. Check it and try again."),
    (errors.PhoneCodeExpiredError, "The code has expired. Start the login again."),
    (errors.PasswordHashInvalidError, "The two-step password is wrong."),
    (errors.PhoneNumberUnoccupiedError, "No Telegram account uses this phone number."),
]


def _message(exc: BaseException) -> str:
    for cls, message in _MESSAGES:
        if isinstance(exc, cls):
            return message
    if isinstance(exc, errors.FloodWaitError):
        return f"Telegram asks to wait {exc.seconds} s before trying again."
    if isinstance(exc, errors.RPCError):
        return f"Telegram refused the login ({exc.message})."
    raise exc


async def _disconnect(client: Any) -> None:
    await client.disconnect()


def login_start(*, label: str, phone: str, kind: str) -> LoginState:
    """Ask Telegram to send a login code to `phone`."""
    if PlatformAccount.objects.filter(label=label).exists():
        raise LoginError(f'An account labelled "{label}" exists already.')

    async def start() -> LoginState:
        client = await open_login_client(kind)
        try:
            sent = await client.send_code_request(phone)
            return LoginState(
                label=label,
                phone=phone,
                kind=kind,
                session=StringSession.save(client.session),
                phone_code_hash=sent.phone_code_hash,
            )
        finally:
            await _disconnect(client)

    try:
        return _run(start())
    except (errors.RPCError, errors.FloodWaitError) as exc:
        raise LoginError(_message(exc)) from exc


def login_code(state: LoginState, code: str) -> PlatformAccount | None:
    """Sign in with the code; None means the two-step password is needed next."""

    async def sign_in() -> str | None:
        client = await open_login_client(state.kind, state.session)
        try:
            await client.sign_in(state.phone, code.strip(), phone_code_hash=state.phone_code_hash)
            return StringSession.save(client.session)
        except errors.SessionPasswordNeededError:
            return None
        finally:
            await _disconnect(client)

    try:
        session = _run(sign_in())
    except (errors.RPCError, errors.FloodWaitError) as exc:
        raise LoginError(_message(exc)) from exc
    if session is None:
        return None
    return _store(state, session)


def login_password(state: LoginState, password: str) -> PlatformAccount:
    async def check() -> str:
        client = await open_login_client(state.kind, state.session)
        try:
            await client.sign_in(password=password)
            return StringSession.save(client.session)
        finally:
            await _disconnect(client)

    try:
        return _store(state, _run(check()))
    except (errors.RPCError, errors.FloodWaitError) as exc:
        raise LoginError(_message(exc)) from exc


def _store(state: LoginState, session: str) -> PlatformAccount:
    account = PlatformAccount(
        platform="telegram", label=state.label, kind=state.kind, phone=state.phone
    )
    account.set_session(session)
    account.save()
    return account


async def _whoami(kind: str, session: str) -> types.User:
    client = await open_login_client(kind, session)
    try:
        users = await client(functions.users.GetUsersRequest([types.InputUserSelf()]))
    finally:
        await _disconnect(client)
    if not users or not isinstance(users[0], types.User):
        raise LoginError("Telegram does not recognise this session.")
    return users[0]


def import_session(*, label: str, kind: str, session: str) -> PlatformAccount:
    """Add an account from an existing Telethon StringSession, after checking it works."""
    session = session.strip()
    if PlatformAccount.objects.filter(label=label).exists():
        raise LoginError(f'An account labelled "{label}" exists already.')
    try:
        parsed = StringSession(session)
    except Exception as exc:  # bad base64, wrong length, wrong version: all user input
        raise LoginError("This is not a Telethon StringSession.") from exc
    if parsed.auth_key is None:
        raise LoginError("This is not a Telethon StringSession.")
    try:
        me = _run(_whoami(kind, session))
    except errors.SessionPasswordNeededError as exc:
        raise LoginError(
            "This session's login was never finished: it still needs the two-step password. "
            "Log the account in by phone instead."
        ) from exc
    except errors.RPCError as exc:
        raise LoginError(
            "Telegram refused this session: it is logged out, revoked or banned."
        ) from exc
    account = PlatformAccount(
        platform="telegram", label=label, kind=kind, phone=f"+{me.phone}" if me.phone else ""
    )
    account.set_session(session)
    account.save()
    return account


def check_account(account: PlatformAccount) -> str:
    """Ask Telegram who the account is (get_me) and record the answer as its status.

    Skips accounts leased to a worker: checking would use the session from a
    second place at once, which is exactly what kills sessions.
    """
    from platforms.errors import AccountProblem
    from platforms.pool import holder_name, lease_account_by_pk, release_lease, report_problem
    from platforms.telegram.errors import translate

    lease = lease_account_by_pk(account.pk, holder=holder_name("health-check"))
    if lease is None:
        return "busy: leased by a worker or not usable now"
    try:
        me = _run(_whoami(account.kind, account.get_session()))
        PlatformAccount.objects.filter(pk=account.pk).update(last_error="")
        return f"ok: logged in as {me.first_name or ''} (id {me.id})"
    except (errors.RPCError, LoginError) as exc:
        problem = translate(exc) if isinstance(exc, errors.RPCError) else None
        if isinstance(problem, AccountProblem):
            report_problem(lease, problem)
            return f"{problem.status}: {problem}"
        return str(exc)
    finally:
        release_lease(lease, outcome="health check")
