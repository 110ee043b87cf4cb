"""Today at the desk opens on the next hours: who is in, who just finished,
who arrives in the next three hours, and earlier visits still to check out;
the whole day is one link (or htmx swap) away. A therapist's own day is whole."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from practice import calendar
from practice.models import Appointment
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def _midday_zone(now) -> str:
    """A zone where it is about noon at `now`, so the window (now - 1 h to
    now + 3 h) and the hours below stay inside its local today."""
    offset = 12 - now.astimezone(UTC).hour
    # Etc/GMT names have the sign inverted: Etc/GMT-5 is UTC+5.
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def day(location, therapist):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    location.time_zone = _midday_zone(now)
    location.save()
    service = ServiceFactory(buffer_after=timedelta(0), duration=HOUR)

    def visit(name, starts_at, status=Appointment.Status.BOOKED):
        return AppointmentFactory(
            therapist=therapist,
            service=service,
            location=location,
            client=ClientFactory(first_name=name, last_name="Window"),
            starts_at=starts_at,
            status=status,
        )

    made = {
        "no_show": visit("Nora", now - 6 * HOUR, Appointment.Status.NO_SHOW),
        "unpaid": visit("Una", now - 5 * HOUR, Appointment.Status.COMPLETED),
        "never_billed": visit("Carl", now - 4 * HOUR, Appointment.Status.COMPLETED),
        "paid": visit("Paula", now - 3 * HOUR, Appointment.Status.COMPLETED),
        "still_in": visit("Ines", now - 2 * HOUR, Appointment.Status.CHECKED_IN),
        "just_done": visit("Jay", now - HOUR, Appointment.Status.COMPLETED),
        "next": visit("Nina", now + HOUR),
        "evening": visit("Eve", now + 4 * HOUR),
    }
    # Una's checkout was started and not paid: she stays in the window.
    billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=made["unpaid"], by=None), by=None
    )
    paid = billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=made["paid"], by=None), by=None
    )
    billing.payment_record(invoice=paid, method="cash", amount=paid.total, by=None)
    # Jay's invoice is paid too: he is shown for having just finished.
    jay = billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=made["just_done"], by=None),
        by=None,
    )
    billing.payment_record(invoice=jay, method="cash", amount=jay.total, by=None)
    return made


EVERYONE = {"Una", "Carl", "Paula", "Ines", "Nora", "Jay", "Nina", "Eve"}


def _names(body):
    return {name for name in EVERYONE if name in body}


def test_the_desk_opens_on_the_next_hours_and_what_is_left_to_settle(client_as, day):
    body = client_as("front_desk").get(reverse("practice:home")).content.decode()
    # In: Ines (checked in), Una (invoiced, not paid), Jay (just finished), Nina
    # (next). Out: Carl (never invoiced), Paula (paid), Nora (no-show), Eve (later).
    assert _names(body) == {"Una", "Ines", "Jay", "Nina"}
    assert "4 of today’s 8 appointments (3 earlier, 1 later)" in body
    assert 'href="?location=' in body and "day=all" in body
    assert "Show the rest of the day" in body


def test_the_rest_of_the_day_is_one_link_away_and_swaps_in_with_htmx(client_as, day):
    http = client_as("front_desk")
    page = http.get(reverse("practice:home"), {"day": "all"}).content.decode()
    assert _names(page) == EVERYONE
    assert "The whole day: 8 appointments." in page
    assert "Show only the next hours" in page
    swapped = http.get(reverse("practice:home"), {"day": "all"}, headers={"HX-Request": "true"})
    part = swapped.content.decode()
    assert "<html" not in part and "today-window" in part
    # The region's inside only: the page keeps #today-list, which takes the focus.
    assert 'id="today-list"' not in part
    assert 'id="today-list" tabindex="-1" data-focus-after-swap' in page
    assert _names(part) == _names(page)
    assert "HX-Request" in swapped["Vary"]


def test_a_quiet_window_says_where_the_day_is(client_as, location, therapist):
    now = timezone.now()
    location.time_zone = _midday_zone(now)
    location.save()
    AppointmentFactory(therapist=therapist, location=location, starts_at=now + 5 * HOUR)
    body = client_as("front_desk").get(reverse("practice:home")).content.decode()
    assert "No appointments in the last hour and the next three hours." in body
    assert "Show the rest of the day" in body


def test_a_therapist_still_sees_their_whole_day(client_as, day):
    body = client_as("therapist").get(reverse("practice:home")).content.decode()
    assert _names(body) == EVERYONE
    assert "Show the rest of the day" not in body and "today-money" not in body


def test_the_owner_sees_the_same_window(client_as, day):
    body = client_as("owner").get(reverse("practice:home")).content.decode()
    assert _names(body) == {"Una", "Ines", "Jay", "Nina"}


# The pure part ---------------------------------------------------------------


@dataclass
class Entry:
    pk: int
    starts_at: datetime
    ends_at: datetime
    status: str = "booked"


def test_window_edges():
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    entries = [
        Entry(1, now - 2 * HOUR, now - HOUR),  # ended exactly at the window's start: out
        Entry(2, now - 2 * HOUR, now - HOUR + timedelta(minutes=1)),  # in
        Entry(3, now + 3 * HOUR - timedelta(minutes=1), now + 4 * HOUR),  # in
        Entry(4, now + 3 * HOUR, now + 4 * HOUR),  # starts at its end: out
        Entry(5, now - 6 * HOUR, now - 5 * HOUR, "checked_in"),  # still here: in
        Entry(6, now - 6 * HOUR, now - 5 * HOUR),  # kept: in
    ]
    window = calendar.today_window(entries, now, keep={6})
    assert [e.pk for e in window.shown] == [2, 3, 5, 6]
    assert (window.earlier, window.later, window.left_out) == (1, 1, 2)
