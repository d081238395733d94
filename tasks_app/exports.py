"""CSV and Excel downloads of a task's results.

Both stream: CSV is generated row by row into the response, XLSX is written
by openpyxl in write-only mode to a temporary file on disk (it never holds the
rows in memory) and then streamed from there. Both use the same header and the
same cell values as the JSON results, with metadata flattened as
`metadata_<key>`, and neutralise anything a spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tasks_app.models import ParseResult, ParseTask
from tasks_app.selectors import iter_results, metadata_keys

BASE_FIELDS = ["platform_id", "username", "display_name", "phone", "joined_at"]
TAIL_FIELDS = ["created_at"]
# Characters that make Excel, LibreOffice or Google Sheets treat a cell as a
# formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    if value and value.startswith(FORMULA_START):
        return "'" + value
    return value


def cell(value: Any) -> str:
    """The text of one cell: the JSON value, as a spreadsheet can't misread it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | dict):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return neutralise(str(value))


def xlsx_cell(value: Any) -> str:
    """A cell as the XLSX file stores it.

    XML cannot hold most control characters (openpyxl refuses them, which
    would break the whole download over one odd name) and turns a bare CR into
    a line feed; do both here so the file always builds and reads back as written.
    """
    text = cell(value).replace("\r\n", "\n").replace("\r", "\n")
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def header(keys: list[str]) -> list[str]:
    return BASE_FIELDS + [f"metadata_{key}" for key in keys] + TAIL_FIELDS


def row_values(result: ParseResult, keys: list[str], convert: Any = cell) -> list[str]:
    metadata = result.metadata or {}
    return (
        [convert(getattr(result, field)) for field in BASE_FIELDS]
        + [convert(metadata.get(key)) for key in keys]
        + [convert(result.created_at)]
    )


def filename(task: ParseTask, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", task.target or task.link).strip("-")[:50] or "results"
    return f"{task.platform}-{slug}-{task.task_id[:8]}.{extension}"


def csv_response(task: ParseTask, results: QuerySet[ParseResult]) -> StreamingHttpResponse:
    keys = metadata_keys(results)

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # A byte-order mark so Excel opens Cyrillic and other non-Latin names
        # as UTF-8 instead of guessing a legacy code page.
        yield "\ufeff"
        writer.writerow(header(keys))
        for index, result in enumerate(iter_results(results), start=1):
            writer.writerow(row_values(result, keys))
            if index % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(task, "csv")}"'
    return response


def write_xlsx(task: ParseTask, results: QuerySet[ParseResult], path: str) -> None:
    keys = metadata_keys(results)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="results")
    sheet.append(header(keys))
    for result in iter_results(results):
        sheet.append(row_values(result, keys, xlsx_cell))
    workbook.save(path)


class _DeletingFile(io.FileIO):
    """A file removed from disk once the response has sent and closed it."""

    def close(self) -> None:
        super().close()
        try:
            os.unlink(self.name)
        except FileNotFoundError:
            pass


def xlsx_response(task: ParseTask, results: QuerySet[ParseResult]) -> FileResponse:
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="export-")
    os.close(handle)
    try:
        write_xlsx(task, results, path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(
        _DeletingFile(path, "rb"),
        as_attachment=True,
        filename=filename(task, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
