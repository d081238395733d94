"""A task resumed from any checkpoint collects the same people as an uninterrupted run.

Each case stops a run after `cut` batches on account 1 and resumes on account 2 with
the checkpoint of the last batch and the ids already stored, exactly as the job does
after an account switch; the union must equal a full run, with nobody yielded twice,
the same sources per person, and the same coverage.
"""

from __future__ import annotations

from typing import Any

import pytest

CASES = [
    # (target, settings, cuts): cuts chosen to land in every kind of position.
    ("@sandbox_group_1k", {"user_limit": 1000}, [1, 3, 5]),
    ("@sandbox_group_1k", {"user_limit": 5000, "sources": ["members", "authors"]}, [5, 6, 7]),
    (
        "@sandbox_group_1k",
        {"user_limit": 300, "filters": {"only_with_username": True, "skip_bots": True}},
        [1, 2],
    ),
    ("@sandbox_hidden", {"user_limit": 100_000}, [1, 4, 7]),
    ("@sandbox_channel", {"user_limit": 100_000}, [1, 2, 3, 17, 40, 79]),
    ("@sandbox_channel", {"user_limit": 120}, [5, 12]),
    ("https://t.me/c/2100000012", {"user_limit": 100_000, "message_limit": 8}, [2, 5, 9]),
    ("https://t.me/sandbox_channel/31", {"user_limit": 100_000}, [1]),
    ("@sandbox_group_100k", {"user_limit": 100_000}, [30, 51, 52]),
    # Commenters then subscribers: inside a thread, at the stage change, inside the members.
    ("@sandbox_admin_channel", {"user_limit": 100_000}, [7, 20, 21, 22]),
]


def merged(*runs: Any) -> dict[str, set[str]]:
    sources: dict[str, set[str]] = {}
    for run in runs:
        for pid, found in run.sources().items():
            sources.setdefault(pid, set()).update(found)
    return sources


@pytest.mark.parametrize(
    ("target", "settings", "cut"),
    [(target, settings, cut) for target, settings, cuts in CASES for cut in cuts],
)
def test_it_resumes_from_a_checkpoint_to_the_same_people_as_a_full_run(
    target: str, settings: dict[str, Any], cut: int, collect: Any, resumed: Any
) -> None:
    full = collect(target, **settings)
    assert full.error is None and len(full.batches) > cut
    first, second = resumed(target, cut, **settings)
    assert second.error is None
    assert not first.ids & second.ids  # nobody is yielded twice
    assert first.ids | second.ids == full.ids
    assert merged(first, second) == merged(full)
    assert second.coverage.as_dict() == full.coverage.as_dict()
    assert second.checkpoint["stage"] == "done"


def test_it_finds_where_a_checkpoint_inside_a_comment_thread_points(collect: Any) -> None:
    run = collect("@sandbox_channel", user_limit=100_000)
    inside = [
        b.checkpoint
        for b in run.batches
        if "comment_offset_id" in b.checkpoint and b.checkpoint["comment_offset_id"]
    ]
    # Some threads span several pages: checkpoints in the middle of a thread exist.
    assert any("after_post" not in c for c in inside)
    positions = {b.checkpoint.get("stage") for b in run.batches}
    assert positions == {"commenters", "done"}


def test_it_only_reports_the_end_when_resumed_from_a_finished_checkpoint(
    collect: Any,
) -> None:
    full = collect("@sandbox_hidden", user_limit=100_000)
    again = collect(
        "@sandbox_hidden",
        account=2,
        user_limit=100_000,
        checkpoint=full.checkpoint,
        known=full.ids,
    )
    assert len(again.batches) == 1
    assert again.records == [] and again.updates == []
    assert again.coverage.as_dict() == full.coverage.as_dict()
