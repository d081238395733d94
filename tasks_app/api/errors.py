"""One error shape for the whole API: {"detail": "...", "errors": {...}}.

Bad input must come back as a 4xx with a sentence a person understands, never
as a 500: platform errors (unknown platform, a link we cannot read) and
Django's ValidationError are turned into 400s here.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from platforms.errors import (
    InvalidQuery,
    InvalidTarget,
    NoAccountAvailable,
    PlatformError,
    PlatformNotAvailable,
    UnknownPlatform,
)

_FIELD_OF = {
    UnknownPlatform: "platform",
    PlatformNotAvailable: "platform",
    InvalidTarget: "link",
    InvalidQuery: "q",
}


def _first_message(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            if field in ("non_field_errors", "detail", "__all__"):
                return message
            return f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    if isinstance(exc, NoAccountAvailable):
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, PlatformError):
        field = next((f for cls, f in _FIELD_OF.items() if isinstance(exc, cls)), "detail")
        return Response(
            {"detail": str(exc), "errors": {field: [str(exc)]}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = {"detail": _first_message(response.data), "errors": response.data}
    return response
