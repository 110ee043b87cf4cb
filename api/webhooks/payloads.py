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


def _as_is(value):
    return value


# How a value is written: an id or amount that is always there as a string
# (STR), one that may be missing as a string or null (OPT), a time in ISO 8601
# or null (TIME), numbers, booleans and statuses as they are (AS_IS). Every
# payload is one table of (key, attribute, how) read by the same builder, so
# the events cannot drift apart in how they write the same kind of value.
STR, OPT, TIME, AS_IS = str, _str, _when, _as_is


def _fields(spec):
    """A builder of {key: value} from the instance's attributes, in spec order."""

    def build(instance) -> dict:
        return {key: write(_attribute(instance, path)) for key, path, write in spec}

    return build


def _attribute(instance, path: str):
    for name in path.split("."):
        instance = getattr(instance, name)
    return instance


APPOINTMENT = (
    ("appointment_id", "pk", STR),
    ("client_id", "client_id", STR),
    ("therapist_id", "therapist_id", AS_IS),
    ("service_id", "service_id", AS_IS),
    ("location_id", "location_id", AS_IS),
    ("room_id", "room_id", AS_IS),
    ("starts_at", "starts_at", TIME),
    ("ends_at", "ends_at", TIME),
    ("status", "status", AS_IS),
    ("source", "source", AS_IS),
    ("series_id", "series_id", OPT),
)
APPOINTMENT_CANCELLED = (
    *APPOINTMENT,
    ("cancelled_at", "cancelled_at", TIME),
    ("late_cancel", "late_cancel", AS_IS),
)
INTAKE = (
    ("intake_id", "pk", STR),
    ("client_id", "client_id", STR),
    ("submitted_at", "submitted_at", TIME),
    ("how", "how", AS_IS),
)
NOTE = (
    ("note_id", "pk", STR),
    ("appointment_id", "appointment_id", OPT),
    ("client_id", "client_id", STR),
    ("therapist_id", "therapist_id", AS_IS),
    ("signed_at", "signed_at", TIME),
)
INVOICE = (
    ("invoice_id", "pk", STR),
    ("number", "number", AS_IS),
    ("client_id", "client_id", STR),
    ("appointment_id", "appointment_id", OPT),
    ("issued_at", "issued_at", TIME),
    ("currency", "currency", AS_IS),
    ("subtotal", "subtotal", STR),
    ("tax", "tax", STR),
    ("total", "total", STR),
)
PAYMENT = (
    ("payment_id", "pk", STR),
    ("invoice_id", "invoice_id", STR),
    ("method", "method", AS_IS),
    ("amount", "amount", STR),
    # The invoice is the one the payment service just wrote to (no query).
    ("currency", "invoice.currency", AS_IS),
    ("received_at", "received_at", TIME),
)

appointment = _fields(APPOINTMENT)
appointment_cancelled = _fields(APPOINTMENT_CANCELLED)
intake = _fields(INTAKE)
note = _fields(NOTE)
invoice = _fields(INVOICE)
payment = _fields(PAYMENT)


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
