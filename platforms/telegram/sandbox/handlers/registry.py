"""Which function answers which TL request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .context import Context

Handler = Callable[[Context, Any], Any]


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    needs_auth: bool  # False for the login requests, which work on an unauthorized key


ROUTES: dict[type, Route] = {}


def handles(*request_types: type, needs_auth: bool = True) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        for request_type in request_types:
            if request_type in ROUTES:
                raise RuntimeError(f"two handlers for {request_type.__name__}")
            ROUTES[request_type] = Route(handler, needs_auth)
        return handler

    return register
