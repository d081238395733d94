"""The members source pages exactly as Telethon's own iter_participants does.

The adapter sends channels.GetParticipants itself (the checkpoint needs an
offset that iter_participants cannot start from). These tests ask Telethon's
iter_participants, through the same sandbox, and require the same people, in
the same order, with the same join dates and roles, and the same total.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from telethon import types

from platforms.telegram.client import open_client
from tests.telegram.conftest import credentials


async def telethon_members(target: str) -> tuple[list[tuple[str, Any, str]], int]:
    client = await open_client(credentials(3))
    try:
        entity = await client.get_entity(target)
        people = []
        members = client.iter_participants(entity)
        async for user in members:
            participant = user.participant
            role = (
                "creator"
                if isinstance(
                    participant, types.ChannelParticipantCreator | types.ChatParticipantCreator
                )
                else "admin"
                if isinstance(
                    participant, types.ChannelParticipantAdmin | types.ChatParticipantAdmin
                )
                else "member"
            )
            people.append((str(user.id), getattr(participant, "date", None), role))
        return people, members.total
    finally:
        await client.disconnect()


@pytest.mark.parametrize(
    "target", ["sandbox_group_1k", "sandbox_group_100k", "sandbox_admin_channel"]
)
def test_it_lists_the_same_members_as_iter_participants(collect: Any, target: str) -> None:
    expected, total = asyncio.run(telethon_members(target))
    run = collect(f"@{target}", user_limit=100_000, sources=["members"])
    assert run.error is None, run.error
    got = [(p.platform_id, p.joined_at, p.metadata["role"]) for p in run.records]
    assert got == expected
    # Telethon's .total is the first page's count, which is what we report.
    assert run.coverage.reported_total == total
    assert len(got) == min(total, 10_000)


def test_it_lists_a_basic_groups_members_as_iter_participants(collect: Any) -> None:
    async def via_invite() -> tuple[list[tuple[str, Any, str]], int]:
        from telethon import functions

        client = await open_client(credentials(3))
        try:
            invite = await client(functions.messages.CheckChatInviteRequest("SandboxBasic1"))
            people = []
            members = client.iter_participants(invite.chat)
            async for user in members:
                role = type(user.participant).__name__
                people.append(
                    (
                        str(user.id),
                        user.participant.date if hasattr(user.participant, "date") else None,
                        role,
                    )
                )
            return people, members.total
        finally:
            await client.disconnect()

    expected, total = asyncio.run(via_invite())
    run = collect("https://t.me/+SandboxBasic1", user_limit=1000, sources=["members"])
    assert [p.platform_id for p in run.records] == [pid for pid, _, _ in expected]
    assert [p.joined_at for p in run.records] == [date for _, date, _ in expected]
    assert len(run.records) == total == 50
