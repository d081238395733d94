"""Request handlers of the sandbox, registered by request type on import."""

from __future__ import annotations

from . import auth, chats, dialogs, messages, participants, updates, users  # noqa: F401
from .context import Context, RpcFail
from .registry import ROUTES, Route


def route_for(request: object) -> Route | None:
    return ROUTES.get(type(request))


__all__ = ["Context", "ROUTES", "Route", "RpcFail", "route_for"]
