"""URL converters shared by the pages and the API."""

from __future__ import annotations

from django.urls import register_converter

from tasks_app.consumers import TASK_ID_PATTERN


class TaskIdConverter:
    """A task's public id (secrets.token_urlsafe: letters, digits, "-" and "_").

    Anything else is a 404 before any query: PostgreSQL refuses NUL bytes in
    text, which would otherwise surface as a 500.
    """

    regex = TASK_ID_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TaskIdConverter, "task_id")
