"""Each event's data, key by key, from the attributes the services hold: ids and
amounts as strings, times in ISO 8601, a missing id or time as null."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from api.webhooks import events, payloads

AT = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
WHEN = "2026-12-04T15:00:00+00:00"


def _id(n):
    return uuid.UUID(int=n)


def _ids(n):
    return str(_id(n))


APPOINTMENT = SimpleNamespace(
    pk=_id(1), client_id=_id(2), therapist_id=3, service_id=2, location_id=1, room_id=None,
    starts_at=AT, ends_at=AT, status="cancelled", source="front_desk", series_id=_id(9),
    cancelled_at=AT, late_cancel=False,
)  # fmt: skip
APPOINTMENT_DATA = {
    "appointment_id": _ids(1),
    "client_id": _ids(2),
    "therapist_id": 3,
    "service_id": 2,
    "location_id": 1,
    "room_id": None,
    "starts_at": WHEN,
    "ends_at": WHEN,
    "status": "cancelled",
    "source": "front_desk",
    "series_id": _ids(9),
}

CASES = [
    (events.APPOINTMENT_BOOKED, APPOINTMENT, APPOINTMENT_DATA),
    (events.APPOINTMENT_RESCHEDULED, APPOINTMENT, APPOINTMENT_DATA),
    (
        events.APPOINTMENT_CANCELLED,
        APPOINTMENT,
        {**APPOINTMENT_DATA, "cancelled_at": WHEN, "late_cancel": False},
    ),
    (
        events.INTAKE_SUBMITTED,
        SimpleNamespace(pk=_id(4), client_id=_id(2), submitted_at=AT, how="online"),
        {"intake_id": _ids(4), "client_id": _ids(2), "submitted_at": WHEN, "how": "online"},
    ),
    (
        events.NOTE_SIGNED,
        SimpleNamespace(
            pk=_id(5), appointment_id=None, client_id=_id(2), therapist_id=3, signed_at=AT
        ),
        {
            "note_id": _ids(5),
            "appointment_id": None,
            "client_id": _ids(2),
            "therapist_id": 3,
            "signed_at": WHEN,
        },
    ),
    (
        events.INVOICE_ISSUED,
        SimpleNamespace(
            pk=_id(6),
            number="2026-0001",
            client_id=_id(2),
            appointment_id=_id(1),
            issued_at=None,
            currency="USD",
            subtotal=Decimal("100.00"),
            tax=Decimal("10.00"),
            total=Decimal("110.00"),
        ),
        {
            "invoice_id": _ids(6),
            "number": "2026-0001",
            "client_id": _ids(2),
            "appointment_id": _ids(1),
            "issued_at": None,
            "currency": "USD",
            "subtotal": "100.00",
            "tax": "10.00",
            "total": "110.00",
        },
    ),
    (
        events.PAYMENT_RECEIVED,
        SimpleNamespace(
            pk=_id(7),
            invoice_id=_id(6),
            method="cash",
            amount=Decimal("50.00"),
            invoice=SimpleNamespace(currency="USD"),
            received_at=AT,
        ),
        {
            "payment_id": _ids(7),
            "invoice_id": _ids(6),
            "method": "cash",
            "amount": "50.00",
            "currency": "USD",
            "received_at": WHEN,
        },
    ),
]


@pytest.mark.parametrize(("event", "instance", "data"), CASES, ids=[c[0] for c in CASES])
def test_each_event_writes_its_data_in_order(event, instance, data):
    built = payloads.BUILDERS[event](instance)
    # Key order too: the body is signed as written, and receivers see it so.
    assert list(built.items()) == list(data.items())
    event_id, body = payloads.envelope(event=event, instance=instance, created=AT)
    assert json.loads(body) == {"id": str(event_id), "type": event, "created": WHEN, "data": data}


def test_every_subscribable_event_has_a_payload():
    assert set(events.SUBSCRIBABLE) | {events.TEST} == set(payloads.BUILDERS)
