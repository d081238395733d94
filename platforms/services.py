"""Short platform calls made on behalf of a web request (community search)."""

from __future__ import annotations

import asyncio

from platforms.base import Community
from platforms.errors import AccountProblem, InvalidQuery, NoAccountAvailable
from platforms.pool import holder_name, lease_account, release_lease, report_problem
from platforms.registry import get_available_adapter_class


def search_communities(*, platform: str, query: str, limit: int = 50) -> list[Community]:
    adapter_class = get_available_adapter_class(platform, capability="search")
    query = (query or "").strip()
    if len(query) < adapter_class.min_query_length:
        raise InvalidQuery(f"Search needs at least {adapter_class.min_query_length} characters.")
    for _attempt in range(3):
        lease = lease_account(platform=platform, holder=holder_name("search"))
        if lease is None:
            break
        adapter = adapter_class()
        loop = asyncio.new_event_loop()
        outcome = "searched"
        try:
            loop.run_until_complete(adapter.authenticate(lease.credentials()))
            return loop.run_until_complete(adapter.search_communities(query, limit=limit))
        except AccountProblem as problem:
            outcome = str(problem)
            report_problem(lease, problem)
        finally:
            try:
                loop.run_until_complete(adapter.cleanup())
            finally:
                loop.close()
                release_lease(lease, outcome=outcome, requests=getattr(adapter, "request_count", 0))
    raise NoAccountAvailable("No account is free to search right now. Try again in a minute.")
