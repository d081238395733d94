"""Driving the Telegram adapter against the sandbox, in-process.

The `collect` fixture is `collect(target, ...)`: it authenticates a sandbox
account, pulls every batch the adapter yields (or the first `stop_after`),
disconnects, and returns what came out: records, updates, the last checkpoint
and coverage, and the task error if the adapter raised one. Anything that is
not a PlatformError propagates, so a traceback fails the test.

Every test starts from a fresh sandbox state (joins, once-only events, killed
keys, faults). Run with `TEST_REDIS_DB=13 .venv/bin/python -m pytest tests/telegram -q`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from platforms.base import AccountCredentials, Batch, Coverage, Filters, ParseOptions, Person
from platforms.errors import PlatformError
from platforms.telegram.adapter import TelegramAdapter
from platforms.telegram.client import sandbox_state
from platforms.telegram.sandbox import World, get_world, sandbox_session_string

RUN_TIMEOUT = 60.0


@dataclass
class Run:
    batches: list[Batch] = field(default_factory=list)
    error: PlatformError | None = None

    @property
    def records(self) -> list[Person]:
        return [person for batch in self.batches for person in batch.records]

    @property
    def ids(self) -> set[str]:
        return {person.platform_id for person in self.records}

    @property
    def by_id(self) -> dict[str, Person]:
        return {person.platform_id: person for person in self.records}

    @property
    def updates(self) -> list[Person]:
        return [person for batch in self.batches for person in batch.updates]

    @property
    def checkpoint(self) -> dict[str, Any]:
        return self.batches[-1].checkpoint if self.batches else {}

    @property
    def coverage(self) -> Coverage:
        assert self.batches and self.batches[-1].coverage is not None
        return self.batches[-1].coverage

    def sources(self) -> dict[str, set[str]]:
        """Every person's sources, as the job would merge them into one row."""
        merged = {p.platform_id: {p.metadata["source"]} for p in self.records}
        for update in self.updates:
            merged.setdefault(update.platform_id, set()).add(update.metadata["source"])
        return merged


def credentials(n: int) -> AccountCredentials:
    session = sandbox_session_string(n)
    return AccountCredentials(label=f"sandbox-{n}", kind="sandbox", session=session)


def options(**settings: Any) -> ParseOptions:
    filters = settings.pop("filters", None)
    if isinstance(filters, dict):
        filters = Filters(**filters)
    if "sources" in settings:
        settings["sources"] = tuple(settings["sources"])
    return ParseOptions(filters=filters or Filters(), **settings)


async def _collect(
    target: str,
    parse_options: ParseOptions,
    *,
    account: int,
    checkpoint: dict[str, Any] | None,
    known: frozenset[str],
    stop_after: int | None,
) -> Run:
    run = Run()
    adapter = TelegramAdapter()
    try:
        await adapter.authenticate(credentials(account))
        batches = adapter.parse_target(
            target, parse_options, checkpoint=checkpoint, known_ids=known
        )
        async with contextlib.aclosing(batches):
            async for batch in batches:
                run.batches.append(batch)
                if stop_after is not None and len(run.batches) >= stop_after:
                    break
    except PlatformError as error:
        run.error = error
    finally:
        await adapter.cleanup()
    return run


def _run(
    target: str,
    *,
    account: int = 1,
    checkpoint: dict[str, Any] | None = None,
    known: frozenset[str] | set[str] = frozenset(),
    stop_after: int | None = None,
    **settings: Any,
) -> Run:
    return asyncio.run(
        asyncio.wait_for(
            _collect(
                target,
                options(**settings),
                account=account,
                checkpoint=checkpoint,
                known=frozenset(known),
                stop_after=stop_after,
            ),
            RUN_TIMEOUT,
        )
    )


def _resumed(target: str, cut: int, **settings: Any) -> tuple[Run, Run]:
    first = _run(target, account=1, stop_after=cut, **settings)
    assert len(first.batches) == cut and first.error is None, first.error
    second = _run(target, account=2, checkpoint=first.checkpoint, known=first.ids, **settings)
    return first, second


Collect = Callable[..., Run]
Resumed = Callable[..., tuple[Run, Run]]


@pytest.fixture
def collect() -> Collect:
    """collect(target, account=1, checkpoint=None, known=(), stop_after=None, **settings)"""
    return _run


@pytest.fixture
def resumed() -> Resumed:
    """resumed(target, cut, **settings): stop after `cut` batches on account 1, then resume
    from that checkpoint on account 2 with the people already stored, as the job does after
    an account switch. Returns (first run, second run)."""
    return _resumed


@pytest.fixture(autouse=True)
def fresh_sandbox() -> Iterator[None]:
    # Reset after the test too: bans, killed keys and joins made here must not
    # reach test modules that run later in the same session without a reset.
    state = sandbox_state()
    state.reset()
    yield
    state.reset()


@pytest.fixture
def world() -> World:
    return get_world()


@pytest.fixture
def account() -> Callable[[int], AccountCredentials]:
    """account(n): the credentials of sandbox account n, for driving an adapter by hand."""
    return credentials


@pytest.fixture
def parse_options() -> Callable[..., ParseOptions]:
    """parse_options(**settings): ParseOptions from task-settings-like keywords."""
    return options
