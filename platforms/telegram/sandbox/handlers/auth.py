"""Login: auth.sendCode, auth.signIn, account.getPassword, auth.checkPassword, auth.logOut."""

from __future__ import annotations

from telethon.tl import functions, types

from .. import render, srp
from ..accounts import LOGIN_CODE, SandboxAccount, account_for_phone, account_for_user_id
from .context import Context, RpcFail, unauthorized
from .registry import handles


def _code_hash(ctx: Context, account: SandboxAccount) -> str:
    # Bound to the auth key and phone, so a hash from another login attempt is rejected.
    return ctx.world.dice.digest("phone-code-hash", ctx.key.key_id, account.phone, size=9).hex()


def _account(phone: str) -> SandboxAccount:
    account = account_for_phone(phone)
    if account is None:
        raise RpcFail(400, "PHONE_NUMBER_INVALID")
    return account


def _authorize(ctx: Context, account: SandboxAccount) -> types.auth.Authorization:
    ctx.state.set_pending_password(ctx.key.key_id, None)
    ctx.state.bind_key(ctx.key.key_id, account.user_id)
    return types.auth.Authorization(user=render.account_user(ctx.world, account, is_self=True))


@handles(functions.auth.SendCodeRequest, needs_auth=False)
def send_code(ctx: Context, request: functions.auth.SendCodeRequest) -> types.auth.SentCode:
    account = _account(request.phone_number)
    if ctx.state.is_deactivated(account.user_id):
        raise RpcFail(400, "PHONE_NUMBER_BANNED")
    return types.auth.SentCode(
        type=types.auth.SentCodeTypeApp(length=len(LOGIN_CODE)),
        phone_code_hash=_code_hash(ctx, account),
    )


@handles(functions.auth.SignInRequest, needs_auth=False)
def sign_in(ctx: Context, request: functions.auth.SignInRequest) -> types.auth.Authorization:
    account = _account(request.phone_number)
    if not request.phone_code_hash:
        raise RpcFail(400, "PHONE_CODE_HASH_EMPTY")
    if request.phone_code_hash != _code_hash(ctx, account):
        raise RpcFail(400, "PHONE_CODE_EXPIRED")
    if not request.phone_code:
        raise RpcFail(400, "PHONE_CODE_EMPTY")
    if request.phone_code != LOGIN_CODE:
        raise RpcFail(400, "PHONE_CODE_INVALID")
    if ctx.state.is_deactivated(account.user_id):
        raise RpcFail(401, "USER_DEACTIVATED_BAN")
    if account.has_2fa:
        ctx.state.set_pending_password(ctx.key.key_id, account.user_id)
        raise RpcFail(401, "SESSION_PASSWORD_NEEDED")
    return _authorize(ctx, account)


def _password_account(ctx: Context) -> SandboxAccount:
    """The logged-in account, or the one whose login is waiting for its 2FA password."""
    if ctx.account is not None:
        return ctx.account
    pending = ctx.state.pending_password(ctx.key.key_id)
    account = account_for_user_id(pending) if pending is not None else None
    if account is None:
        raise unauthorized()
    return account


@handles(functions.account.GetPasswordRequest, needs_auth=False)
def get_password(
    ctx: Context, request: functions.account.GetPasswordRequest
) -> types.account.Password:
    return srp.password_info(ctx.world, _password_account(ctx))


@handles(functions.auth.CheckPasswordRequest, needs_auth=False)
def check_password(
    ctx: Context, request: functions.auth.CheckPasswordRequest
) -> types.auth.Authorization:
    account = _password_account(ctx)
    if not srp.check_password(ctx.world, account, request.password):
        raise RpcFail(400, "PASSWORD_HASH_INVALID")
    return _authorize(ctx, account)


@handles(functions.auth.LogOutRequest)
def log_out(ctx: Context, request: functions.auth.LogOutRequest) -> types.auth.LoggedOut:
    ctx.state.kill_key(ctx.key.key_id)  # the key is unregistered from now on, as on Telegram
    return types.auth.LoggedOut()
