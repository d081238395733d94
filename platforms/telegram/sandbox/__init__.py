"""An in-process fake Telegram for Telethon ("the sandbox").

Telethon runs unchanged: `attach(client)` swaps the client's network sender for one that
answers raw TL requests from a deterministic generated world (see `World.describe_markdown()`
for the sample communities and the counts a collector must find), with shared mutable state
(`MemoryState` / `RedisState`) for joins, bans, logins, one-off events and injected faults.
"""

from .accounts import (
    LOGIN_CODE,
    SANDBOX_DC,
    TWO_FA_PASSWORD,
    SandboxAccount,
    account_for_phone,
    account_for_user_id,
    sandbox_account,
    sandbox_phone,
    sandbox_session_string,
)
from .attach import (
    SandboxSessionError,
    attach,
    attach_for_login,
    default_state,
    set_default_state,
)
from .communities import (
    EXPIRED_INVITE_HASH,
    LISTING_CAP,
    Access,
    Behaviour,
    Kind,
    Listing,
)
from .faults import DEFAULT_FAULT_REQUESTS, FaultConfig
from .handlers import RpcFail
from .people import FORMULA_NAME
from .sender import DEFAULT_LIVE_TTL, SandboxSender
from .state import MemoryState, RedisState, SandboxState
from .world import DEFAULT_SEED, WORLD_NOW, Community, World, get_world

__all__ = [
    "DEFAULT_FAULT_REQUESTS",
    "DEFAULT_LIVE_TTL",
    "DEFAULT_SEED",
    "EXPIRED_INVITE_HASH",
    "FORMULA_NAME",
    "LISTING_CAP",
    "LOGIN_CODE",
    "SANDBOX_DC",
    "TWO_FA_PASSWORD",
    "WORLD_NOW",
    "Access",
    "Behaviour",
    "Community",
    "FaultConfig",
    "Kind",
    "Listing",
    "MemoryState",
    "RedisState",
    "RpcFail",
    "SandboxAccount",
    "SandboxSender",
    "SandboxSessionError",
    "SandboxState",
    "World",
    "account_for_phone",
    "account_for_user_id",
    "attach",
    "attach_for_login",
    "default_state",
    "get_world",
    "sandbox_account",
    "sandbox_phone",
    "sandbox_session_string",
    "set_default_state",
]
