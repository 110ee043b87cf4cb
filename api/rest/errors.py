"""Every API error as one JSON shape:

    {"error": {"status": 400, "code": "invalid", "message": "...",
               "fields": {"starts_at": [{"code": "...", "message": "..."}]}}}

Service ValidationErrors become 400 with the model's field names, a booking
clash 409 with code "clash" and the conflicting appointment, Http404 404.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from practice.services import AppointmentClash

NON_FIELD = "non_field_errors"


def _items(detail):
    """[{"code", "message"}] from a DRF error detail list (or a single one)."""
    if not isinstance(detail, list):
        detail = [detail]
    return [{"code": getattr(item, "code", "invalid"), "message": str(item)} for item in detail]


def _fields(detail) -> dict:
    if isinstance(detail, dict):
        return {
            name: (_fields(value) if isinstance(value, dict) else _items(value))
            for name, value in detail.items()
        }
    return {NON_FIELD: _items(detail)}


def _clash(exc: AppointmentClash) -> Response:
    conflict = exc.conflict
    body = {
        "status": 409,
        "code": "clash",
        "message": exc.messages[0],
        "resource": exc.resource,
        "conflict": None
        if conflict is None
        else {
            "appointment": str(conflict.pk),
            "starts_at": conflict.starts_at.isoformat(),
            "occupied_until": conflict.occupied_until.isoformat(),
        },
    }
    return Response({"error": body}, status=status.HTTP_409_CONFLICT)


def exception_handler(exc, context):
    if isinstance(exc, AppointmentClash):
        return _clash(exc)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404 | PermissionDenied):
        # Out of scope is "not found", never "forbidden": existence is not leaked.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's 500 handling and logging
    body = {"status": response.status_code}
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        body["code"] = "invalid"
        body["message"] = (
            fields[NON_FIELD][0]["message"]
            if NON_FIELD in fields
            else "Some fields are not valid; see 'fields'."
        )
        body["fields"] = fields
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        body["code"] = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body["message"] = str(detail)
    response.data = {"error": body}
    return response
