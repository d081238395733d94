"""What a handler knows about the request it answers, and how it refuses one."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from telethon.tl import types

from .. import render
from ..accounts import KeyInfo, SandboxAccount, account_for_user_id
from ..communities import Access, CommunitySpec
from ..state import SandboxState
from ..world import World


class RpcFail(Exception):  # noqa: N818 - it is an answer, not a bug
    """Raised by a handler to answer an RPC error, e.g. RpcFail(400, "CHANNEL_INVALID")."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


def unauthorized() -> RpcFail:
    return RpcFail(401, "AUTH_KEY_UNREGISTERED")


@dataclass
class Context:
    world: World
    state: SandboxState
    key: KeyInfo
    user_id: int | None  # the logged-in account's user id, None before login

    @property
    def account(self) -> SandboxAccount | None:
        return account_for_user_id(self.user_id) if self.user_id is not None else None

    def require_account(self) -> SandboxAccount:
        account = self.account
        if account is None:
            raise unauthorized()
        return account

    @cached_property
    def joined(self) -> frozenset[int]:
        """Chats this account joined (read once per request: every rendered chat needs it)."""
        return self.state.memberships(self.user_id) if self.user_id is not None else frozenset()

    def join(self, spec: CommunitySpec) -> bool:
        added = self.state.add_membership(self.require_account().user_id, spec.id)
        self.__dict__.pop("joined", None)  # re-read: the answer must show the new membership
        return added

    def leave(self, spec: CommunitySpec) -> None:
        self.state.remove_membership(self.require_account().user_id, spec.id)
        self.__dict__.pop("joined", None)

    def is_member(self, spec: CommunitySpec) -> bool:
        if self.world.is_fixed_member(spec):
            return True
        if spec.access is Access.BANNED:
            return False
        return spec.id in self.joined

    def can_read(self, spec: CommunitySpec) -> bool:
        if spec.access is Access.BANNED:
            return False
        if spec.access is Access.INVITE:
            return self.is_member(spec)
        return True

    def require_readable(self, spec: CommunitySpec) -> None:
        if not self.can_read(spec):
            raise RpcFail(400, "CHANNEL_PRIVATE")

    def chat(self, spec: CommunitySpec) -> types.TypeChat:
        return render.chat(self.world, spec, member=self.is_member(spec))

    def users(self, user_ids: list[int]) -> list[types.TypeUser]:
        out: list[types.TypeUser] = []
        for user_id in dict.fromkeys(user_ids):
            user = render.user_by_id(self.world, user_id, self_id=self.user_id)
            if user is not None:
                out.append(user)
        return out

    def chats(self, chat_ids: list[int]) -> list[types.TypeChat]:
        out: list[types.TypeChat] = []
        for chat_id in dict.fromkeys(chat_ids):
            spec = self.world.spec_by_id(chat_id)
            if spec is not None:
                out.append(self.chat(spec))
        return out
