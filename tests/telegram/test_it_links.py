"""Every accepted link form, normalised at task creation and collected from the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from platforms.errors import InvalidTarget
from platforms.telegram.adapter import TelegramAdapter
from platforms.telegram.links import ACCEPTED_FORMS, TelegramTarget, parse_link
from platforms.telegram.sandbox import World

PUBLIC_GROUP_FORMS = [
    "@sandbox_group_1k",
    "sandbox_group_1k",
    "t.me/sandbox_group_1k",
    "https://t.me/sandbox_group_1k",
    "http://t.me/sandbox_group_1k/",
    "telegram.me/sandbox_group_1k",
    "https://telegram.me/sandbox_group_1k",
    "https://T.me/sandbox_group_1k?start=ad",
    "  https://t.me/s/sandbox_group_1k  ",
]


@pytest.mark.parametrize("link", PUBLIC_GROUP_FORMS)
def test_it_normalises_each_form_of_a_public_link_to_the_username(
    link: str, collect: Any, world: World
) -> None:
    assert TelegramAdapter.normalize_target(link) == "@sandbox_group_1k"
    run = collect(TelegramAdapter.normalize_target(link), user_limit=50)
    assert run.error is None
    listed = world.expected_listed_user_ids("sandbox_group_1k")
    assert len(run.ids) == 50 and run.ids <= {str(i) for i in listed}


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "t.me/sandbox_channel/5",
            TelegramTarget(kind="post", username="sandbox_channel", post_id=5),
        ),
        (
            "https://t.me/sandbox_channel/5?comment=77",
            TelegramTarget(kind="post", username="sandbox_channel", post_id=5),
        ),
        (
            "https://t.me/c/2100000012/13",
            TelegramTarget(kind="private_post", channel_id=2100000012, post_id=13),
        ),
        ("t.me/c/2100000012", TelegramTarget(kind="private_post", channel_id=2100000012)),
        (
            "https://t.me/+SandboxInvite1",
            TelegramTarget(kind="invite", invite_hash="SandboxInvite1"),
        ),
        (
            "https://t.me/joinchat/SandboxBasic1",
            TelegramTarget(kind="invite", invite_hash="SandboxBasic1"),
        ),
        ("telegram.me/joinchat/AbC-d_9x", TelegramTarget(kind="invite", invite_hash="AbC-d_9x")),
        (
            "tg://join?invite=SandboxInvite1",
            TelegramTarget(kind="invite", invite_hash="SandboxInvite1"),
        ),
        (
            "tg://resolve?domain=sandbox_quiet",
            TelegramTarget(kind="username", username="sandbox_quiet"),
        ),
    ],
)
def test_it_parses_post_private_and_invite_links_itself(
    link: str, expected: TelegramTarget
) -> None:
    # Telethon's utils.parse_username gives (None, False) for post and /c/ links.
    assert parse_link(link) == expected
    # The canonical form is stored as the task's target and parsed again by the job.
    assert parse_link(expected.canonical) == expected


@pytest.mark.parametrize(
    "link",
    [
        "",
        "   ",
        "https://example.com/sandbox_group_1k",
        "t.me/",
        "https://t.me/joinchat/",
        "https://t.me/joinchat",
        "t.me/c/",
        "t.me/c/abc/5",
        "https://t.me/sandbox_group_1k/abc",
        "@",
        "sandbox group",
        "https://t.me/sandbox_group_1k/5/6/7",
        "ftp://t.me/sandbox_group_1k",
    ],
)
def test_it_refuses_anything_else_listing_the_accepted_forms(link: str) -> None:
    with pytest.raises(InvalidTarget) as caught:
        TelegramAdapter.normalize_target(link)
    assert ACCEPTED_FORMS in str(caught.value)


def test_it_collects_only_that_posts_commenters_from_a_post_link(
    collect: Any, world: World
) -> None:
    post = 5
    expected = {str(i) for i in world.expected_commenter_ids("sandbox_channel", post)}
    assert expected  # post 5 has a thread with people in it
    run = collect(TelegramAdapter.normalize_target(f"t.me/sandbox_channel/{post}"), user_limit=1000)
    assert run.error is None
    assert run.ids == expected
    assert {p.metadata["source"] for p in run.records} == {"commenters"}
    assert f"only the commenters of post {post} are collected" in run.coverage.reasons


@pytest.mark.parametrize("post", [2, 4, 8, 13])
def test_it_collects_a_post_of_a_private_channel_the_account_is_in(
    post: int, collect: Any, world: World
) -> None:
    # Known per-post commenter counts of the private channel: {2: 12, 4: 32, 8: 4, 13: 3}.
    expected = {str(i) for i in world.expected_commenter_ids("sandbox_private_channel", post)}
    assert len(expected) == {2: 12, 4: 32, 8: 4, 13: 3}[post]
    link = TelegramAdapter.normalize_target(f"https://t.me/c/{2100000012}/{post}")
    run = collect(link, user_limit=1000)
    assert run.error is None
    assert run.ids == expected


def test_it_collects_the_whole_private_channel_from_a_c_link_without_a_post(
    collect: Any, world: World
) -> None:
    run = collect(TelegramAdapter.normalize_target("t.me/c/2100000012"), user_limit=1000)
    expected = {str(i) for i in world.expected_commenter_ids("sandbox_private_channel")}
    assert len(expected) == 60
    assert run.ids == expected


def test_it_collects_the_members_of_a_private_group_from_its_c_link(
    collect: Any, world: World
) -> None:
    # The private channel's discussion group: every sandbox account is in it.
    chat = world.community("sandbox_private_channel_chat")
    run = collect(TelegramAdapter.normalize_target(f"https://t.me/c/{chat.id}"), user_limit=1000)
    assert run.ids == {str(i) for i in world.expected_listed_user_ids(chat.key)}
    assert len(run.ids) == 100


def test_it_joins_a_private_group_by_its_plus_invite_link_when_allowed(
    collect: Any, world: World
) -> None:
    link = TelegramAdapter.normalize_target("t.me/+SandboxInvite1")
    refused = collect(link, user_limit=1000)
    assert str(refused.error) == (
        'The account is not a member of this private group. Set "join": true in the '
        "task's settings to let the account join it."
    )
    joined = collect(link, user_limit=1000, join=True)
    assert joined.error is None
    assert joined.ids == {str(i) for i in world.expected_listed_user_ids("sandbox_invite_group")}
    assert len(joined.ids) == 300
    assert joined.coverage.reported_total == 300
    # Now a member: the same account collects it again without joining.
    again = collect(link, user_limit=1000)
    assert again.ids == joined.ids


def test_it_opens_a_basic_group_by_its_joinchat_invite_link(collect: Any, world: World) -> None:
    run = collect(TelegramAdapter.normalize_target("https://t.me/joinchat/SandboxBasic1"))
    assert run.error is None
    assert run.ids == {str(i) for i in world.expected_listed_user_ids("sandbox_basic_group")}
    assert len(run.ids) == 50


@pytest.mark.django_db
def test_it_answers_400_with_the_accepted_forms_for_a_bad_link(api: Any) -> None:
    response = api.post(
        "/api/v1/tasks/",
        {"platform": "telegram", "link": "https://example.com/x"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert ACCEPTED_FORMS in body["detail"] or ACCEPTED_FORMS in str(body["errors"])
