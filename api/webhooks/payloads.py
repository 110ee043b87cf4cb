"""What each event tells a receiver: ids, times, statuses and amounts.

Never clinical content: no note text, no intake answers, no red flags, no
cancel reason (staff type free text there), and no client names. Built from
the instance the service already holds, reading only its own columns and
foreign-key ids, so recording an event costs no query of its own.
"""

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder

from api.webhooks import events


def _str(value):
    return None if value is None else str(value)


def _when(value):
    return None if value is None else value.isoformat()


def appointment(instance) -> dict:
    return {
        "appointment_id": str(instance.pk),
        "client_id": str(instance.client_id),
        "therapist_id": instance.therapist_id,
        "service_id": instance.service_id,
        "location_id": instance.location_id,
        "room_id": instance.room_id,
        "starts_at": _when(instance.starts_at),
        "ends_at": _when(instance.ends_at),
        "status": instance.status,
        "source": instance.source,
        "series_id": _str(instance.series_id),
    }


def appointment_cancelled(instance) -> dict:
    return {
        **appointment(instance),
        "cancelled_at": _when(instance.cancelled_at),
        "late_cancel": instance.late_cancel,
    }


def intake(instance) -> dict:
    return {
        "intake_id": str(instance.pk),
        "client_id": str(instance.client_id),
        "submitted_at": _when(instance.submitted_at),
        "how": instance.how,
    }


def note(instance) -> dict:
    return {
        "note_id": str(instance.pk),
        "appointment_id": _str(instance.appointment_id),
        "client_id": str(instance.client_id),
        "therapist_id": instance.therapist_id,
        "signed_at": _when(instance.signed_at),
    }


def invoice(instance) -> dict:
    return {
        "invoice_id": str(instance.pk),
        "number": instance.number,
        "client_id": str(instance.client_id),
        "appointment_id": _str(instance.appointment_id),
        "issued_at": _when(instance.issued_at),
        "currency": instance.currency,
        "subtotal": str(instance.subtotal),
        "tax": str(instance.tax),
        "total": str(instance.total),
    }


def payment(instance) -> dict:
    return {
        "payment_id": str(instance.pk),
        "invoice_id": str(instance.invoice_id),
        "method": instance.method,
        "amount": str(instance.amount),
        "currency": instance.invoice.currency,
        "received_at": _when(instance.received_at),
    }


def test(endpoint) -> dict:
    return {"endpoint_id": str(endpoint.pk), "message": "A test event from Relief."}


BUILDERS = {
    events.APPOINTMENT_BOOKED: appointment,
    events.APPOINTMENT_RESCHEDULED: appointment,
    events.APPOINTMENT_CANCELLED: appointment_cancelled,
    events.INTAKE_SUBMITTED: intake,
    events.NOTE_SIGNED: note,
    events.INVOICE_ISSUED: invoice,
    events.PAYMENT_RECEIVED: payment,
    events.TEST: test,
}


def envelope(*, event: str, instance, created) -> tuple[uuid.UUID, str]:
    """(event id, JSON body) of one event; the body is what gets signed."""
    event_id = uuid.uuid4()
    body = {
        "id": str(event_id),
        "type": event,
        "created": created.isoformat(),
        "data": BUILDERS[event](instance),
    }
    return event_id, json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"))
