"""Who is on the other end of a WebSocket: a browser session or an API token.

The browser is authenticated by its session cookie (AuthMiddlewareStack). An
API client instead sends its access token, as `Authorization: Bearer <token>`
or, where it cannot set headers (a browser's WebSocket), as `?token=<token>`;
it is checked exactly as the REST API checks it.

A connection that presents a token is authenticated by that token only, never
by a cookie that happens to come along. That is what makes the origin rule
safe: a cookie is sent by the browser on its own, so a cookie-authenticated
socket must come from one of our pages (same origin, as Django's CSRF rule for
forms); a token is never sent on its own, so a token-authenticated client (a
script, a server, another app) needs no Origin header at all.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import AllowedHostsOriginValidator
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError


def presented_token(scope: dict[str, Any]) -> str:
    """The access token the client sent (header first, then query string), or ""."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, token = value.decode("latin1").partition(" ")
            if kind.lower() == "bearer" and token.strip():
                return token.strip()
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    return (query.get("token") or [""])[0].strip()


@database_sync_to_async
def _user_for(raw: str) -> Any:
    auth = JWTAuthentication()
    try:
        return auth.get_user(auth.get_validated_token(raw))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


class JWTAuthMiddleware(BaseMiddleware):
    """Sets scope["user"] from a presented token; without one the session's user stays."""

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        token = presented_token(scope)
        if token:
            scope = {**scope, "user": await _user_for(token), "auth": "jwt"}
        return await super().__call__(scope, receive, send)


class TokenOrSameOrigin:
    """Token clients pass; everyone else must come from an allowed host (ALLOWED_HOSTS)."""

    def __init__(self, application: Any) -> None:
        self.application = application
        self.origin_checked = AllowedHostsOriginValidator(application)

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        if presented_token(scope):
            return await self.application(scope, receive, send)
        return await self.origin_checked(scope, receive, send)


def websocket_stack(inner: Any) -> Any:
    """The full WebSocket stack: origin rule, session, token, then `inner`."""
    return TokenOrSameOrigin(AuthMiddlewareStack(JWTAuthMiddleware(inner)))
