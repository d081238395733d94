from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination


class TaskPagination(LimitOffsetPagination):
    """Limit/offset for task lists, refusing numbers the database cannot take."""

    default_limit = 50
    max_limit = 500
    max_offset = 10_000_000

    def get_offset(self, request: Any) -> int:
        offset = super().get_offset(request)
        if offset > self.max_offset:
            raise ValidationError({"offset": [f"offset must be at most {self.max_offset:,}."]})
        return offset
