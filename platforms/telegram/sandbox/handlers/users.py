"""users.getUsers, users.getFullUser, contacts.getContacts."""

from __future__ import annotations

from telethon.tl import functions, types

from ..accounts import account_for_user_id
from .context import Context, RpcFail
from .registry import handles
from .resolve import user_id


@handles(functions.users.GetUsersRequest)
def get_users(ctx: Context, request: functions.users.GetUsersRequest) -> list[types.TypeUser]:
    # Unknown users and wrong access hashes are left out, as Telegram does.
    ids = [found for found in (user_id(ctx, u) for u in request.id) if found is not None]
    return ctx.users(ids)


@handles(functions.users.GetFullUserRequest)
def get_full_user(
    ctx: Context, request: functions.users.GetFullUserRequest
) -> types.users.UserFull:
    found = user_id(ctx, request.id)
    if found is None:
        raise RpcFail(400, "USER_ID_INVALID")
    person = ctx.world.person_by_id(found)
    account = account_for_user_id(found)
    about = (
        person.about if person else (f"Sandbox test account {account.number}" if account else None)
    )
    full = types.UserFull(
        id=found,
        settings=types.PeerSettings(),
        notify_settings=types.PeerNotifySettings(),
        common_chats_count=0,
        about=about,
        bot_info=types.BotInfo(user_id=found, description=about)
        if person and person.is_bot
        else None,
    )
    return types.users.UserFull(full_user=full, chats=[], users=ctx.users([found]))


@handles(functions.contacts.GetContactsRequest)
def get_contacts(
    ctx: Context, request: functions.contacts.GetContactsRequest
) -> types.contacts.Contacts:
    # Sandbox accounts have no contacts (Telethon asks for them to resolve phone numbers).
    return types.contacts.Contacts(contacts=[], saved_count=0, users=[])
