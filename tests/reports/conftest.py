"""Report fixtures: a month of March 2026 at a New York clinic."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest

from billing.models import Invoice, Payment, Refund
from clients.models import Score
from practice.models import Appointment
from sessions.models import SessionNote, Technique, TechniqueApplication
from sessions.outcomes import note_outcomes_refresh
from sessions.selectors import NOTE_SOURCE
from tests import factories

NY = ZoneInfo("America/New_York")
MARCH = {"period": "custom", "first": "2026-03-01", "last": "2026-03-31"}
_numbers = count(1)


def at(day, hour=10, minute=0):
    """An instant on the New York clock in March 2026."""
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)


def read_csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def page_rows(response, slug):
    """The rows of a table as the CSV would write them, from the page's context."""
    table = next(t for t in response.context["tables"] if t.slug == slug)
    return list(table.csv_rows())


@pytest.fixture
def service(db):
    return factories.ServiceFactory(name="Deep tissue 60", price=Decimal("100.00"))


@pytest.fixture
def book(location, service):
    """An appointment; each therapist's bookings are an hour apart so none overlap."""
    slots = count()

    def make(therapist, *, when=None, client=None, status=Appointment.Status.COMPLETED, **extra):
        starts_at = when or at(2, 8) + timedelta(hours=2 * next(slots))
        return factories.AppointmentFactory(
            therapist=therapist,
            client=client or factories.ClientFactory(),
            service=extra.pop("service", service),
            location=extra.pop("location", location),
            starts_at=starts_at,
            status=status,
            **extra,
        )

    return make


@pytest.fixture
def pay(db):
    def make(appointment, amount, *, when, method=Payment.Method.CARD_TERMINAL):
        invoice = Invoice.objects.create(
            client=appointment.client,
            appointment=appointment,
            status=Invoice.Status.ISSUED,
            number=next(_numbers),
            currency="USD",
            subtotal=Decimal(amount),
            total=Decimal(amount),
            issued_at=when,
        )
        return Payment.objects.create(
            invoice=invoice, method=method, amount=Decimal(amount), received_at=when
        )

    return make


@pytest.fixture
def refund(db):
    def make(payment, amount, *, when):
        return Refund.objects.create(
            payment=payment, amount=Decimal(amount), reason="Unhappy", refunded_at=when
        )

    return make


@pytest.fixture
def technique(db):
    def make(name):
        # The seeded list may already hold it (under its own slug).
        return Technique.objects.get_or_create(
            name=name, defaults={"slug": name.lower().replace(" ", "-"), "category": "myofascial"}
        )[0]

    return make


@pytest.fixture
def session(technique):
    """A note for an appointment, with its techniques and its own pain before and after."""

    def make(appointment, *, before=None, after=None, techniques=("Myofascial release",)):
        note = SessionNote.objects.create(
            appointment=appointment, client=appointment.client, therapist=appointment.therapist
        )
        for name in techniques:
            TechniqueApplication.objects.create(note=note, technique=technique(name), minutes=20)
        for context, value, offset in (
            (Score.Context.PRE_SESSION, before, 0),
            (Score.Context.POST_SESSION, after, 60),
        ):
            if value is not None:
                Score.objects.create(
                    client=appointment.client,
                    instrument=Score.Instrument.PAIN_NRS,
                    value=value,
                    recorded_at=appointment.starts_at + timedelta(minutes=offset),
                    context=context,
                    source_type=NOTE_SOURCE,
                    source_id=str(note.pk),
                    appointment=appointment,
                )
        # Rows written straight to the tables, not through the services: the
        # report summary has to be told, as the demo and the generator do.
        note_outcomes_refresh(note_ids=[note.pk])
        return note

    return make


def pain_score(client, value, when, context=Score.Context.INTAKE):
    Score.objects.create(
        client=client,
        instrument=Score.Instrument.PAIN_NRS,
        value=value,
        recorded_at=when,
        context=context,
    )


@pytest.fixture
def cohort(therapist, other_therapist, book, session):
    """Dana: 10 clients, 7 improved meaningfully. Sam: 3 clients (too few to show)."""
    # (first, latest): a fall of 2 points, or 30% of a baseline of 4 or more, counts.
    dana = [(8, 5)] * 5 + [(4, 3), (4, 2)] + [(3, 2), (2, 4), (6, 4)]
    day = iter(range(2, 30))
    for first, latest in dana:
        visit = book(therapist, when=at(next(day), 9))
        session(visit, before=first, after=latest, techniques=["Myofascial release"])
        # An earlier intake score in February is outside the period and ignored.
        pain_score(visit.client, 10, visit.starts_at - timedelta(days=40))
        later = book(therapist, client=visit.client, when=visit.starts_at + timedelta(hours=3))
        session(later, techniques=["Myofascial release", "Trigger point therapy"])
    for _ in range(3):
        visit = book(other_therapist, when=at(next(day), 9))
        session(visit, before=8, after=2, techniques=["Swedish massage"])
