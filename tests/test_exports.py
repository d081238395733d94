"""CSV and Excel downloads: same fields as JSON, no formula can run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook

from tasks_app.exports import cell, xlsx_cell
from tasks_app.models import ParseResult, ParseTask

pytestmark = pytest.mark.django_db

DANGEROUS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\x01ctl"]


@pytest.fixture
def task(user: Any) -> ParseTask:
    task = ParseTask.objects.create(
        owner=user, platform="telegram", link="@x", target="@x", status="completed"
    )
    for n, name in enumerate([*DANGEROUS, "Anna Иванова", "plain"]):
        ParseResult.objects.create(
            task=task,
            platform="telegram",
            platform_id=str(1000 + n),
            username=f"user{n}",
            display_name=name,
            phone="79990001122" if n % 2 else None,
            joined_at=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC) if n % 3 else None,
            metadata={"is_bot": n == 1, "source": "members", "last_seen": "recently"},
        )
    return task


def read_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def read_xlsx(content: bytes) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [
        {h: ("" if v is None else v) for h, v in zip(header, row, strict=True)} for row in rows[1:]
    ]


def test_it_neutralises_formulas_in_csv_and_xlsx(api: Any, task: ParseTask) -> None:
    url = f"/api/v1/tasks/{task.task_id}/results/"
    csv_rows = read_csv(b"".join(api.get(url + "?format=csv").streaming_content))
    xlsx_rows = read_xlsx(b"".join(api.get(url + "?format=xlsx").streaming_content))
    for rows, convert in ((csv_rows, cell), (xlsx_rows, xlsx_cell)):
        names = [row["display_name"] for row in rows]
        for dangerous in DANGEROUS:
            if not dangerous.startswith("\x01"):
                assert convert(dangerous) == "'" + dangerous.replace(
                    "\r", "\n" if convert is xlsx_cell else "\r"
                )
            assert convert(dangerous) in names
        assert not any(str(n).startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)
        assert "Anna Иванова" in names and "plain" in names
    # The JSON keeps the exact value Telegram gave.
    json_names = [r["display_name"] for r in api.get(url + "?limit=100").json()["results"]]
    assert DANGEROUS[0] in json_names


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_it_names_downloads_and_flattens_metadata(api: Any, task: ParseTask) -> None:
    url = f"/api/v1/tasks/{task.task_id}/results/"
    response = api.get(url + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="telegram-x-' in response["Content-Disposition"]
    rows = read_csv(b"".join(response.streaming_content))
    assert list(rows[0]) == [
        "platform_id",
        "username",
        "display_name",
        "phone",
        "joined_at",
        "metadata_source",
        "metadata_is_bot",
        "metadata_last_seen",
        "created_at",
    ]
    xlsx = api.get(url + "?format=xlsx")
    assert xlsx["Content-Disposition"].startswith('attachment; filename="telegram-x-')
    assert xlsx["Content-Disposition"].endswith('.xlsx"')


def test_it_exports_exactly_what_json_shows(api: Any, task: ParseTask) -> None:
    url = f"/api/v1/tasks/{task.task_id}/results/"
    json_rows = api.get(url + "?limit=1000").json()["results"]

    def expected_rows(convert: Any) -> list[dict[str, str]]:
        return [
            {
                "platform_id": r["platform_id"],
                "username": r["username"],
                "display_name": convert(r["display_name"]),
                "phone": convert(r["phone"]),
                "joined_at": convert(r["joined_at"] and parse_time(r["joined_at"])),
                **{f"metadata_{k}": convert(v) for k, v in r["metadata"].items()},
                "created_at": convert(parse_time(r["created_at"])),
            }
            for r in json_rows
        ]

    csv_rows = read_csv(b"".join(api.get(url + "?format=csv").streaming_content))
    xlsx_rows = read_xlsx(b"".join(api.get(url + "?format=xlsx").streaming_content))
    assert len(csv_rows) == 9
    assert csv_rows == expected_rows(cell)
    assert xlsx_rows == expected_rows(xlsx_cell)


def test_it_paginates_json_by_offset_and_cursor(api: Any, task: ParseTask) -> None:
    url = f"/api/v1/tasks/{task.task_id}/results/"
    first = api.get(url + "?limit=3").json()
    assert first["total"] == 9 and len(first["results"]) == 3
    second = api.get(url + "?limit=3&offset=3").json()
    by_cursor = api.get(url + f"?limit=3&after={first['next_after']}").json()
    assert second["results"] == by_cursor["results"]
    ids = [r["platform_id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == 6
    filtered = api.get(url + "?has_phone=true&limit=100").json()
    assert filtered["total"] == 4
    assert all(r["phone"] for r in filtered["results"])
