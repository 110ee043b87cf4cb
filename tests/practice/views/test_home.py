from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment
from practice.timezones import practice_time_zone
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    LocationFactory,
    RoomFactory,
    ServiceFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db


def _book_today(count, therapist=None, location=None):
    tz = practice_time_zone()
    today = timezone.localtime(timezone.now(), tz).date()
    service = ServiceFactory(buffer_after=timedelta(0))
    for i in range(count):
        AppointmentFactory(
            therapist=therapist or TherapistFactory(),
            service=service,
            location=location,
            starts_at=datetime.combine(today, time(8), tzinfo=tz) + timedelta(hours=i),
        )


def test_front_desk_sees_every_therapists_day(client_as, therapist, other_therapist, location):
    _book_today(1, therapist, location)
    _book_today(1, other_therapist, location)
    page = client_as("front_desk").get(reverse("practice:home"), {"day": "all"})
    assert page.content.count(b' status-booked"') == 2


def test_therapist_sees_only_their_own_day(client_as, therapist, other_therapist, location):
    _book_today(1, therapist, location)
    _book_today(2, other_therapist, location)
    page = client_as("therapist").get(reverse("practice:home"))
    assert page.content.count(b' status-booked"') == 1
    assert b"Your day" in page.content


def test_empty_day_says_what_will_appear(client_as, location):
    page = client_as("front_desk").get(reverse("practice:home"))
    assert b"No appointments today." in page.content


@pytest.mark.parametrize("bookings", [1, 8])
def test_today_query_count_is_constant(
    client_as, location, bookings, django_assert_num_queries, settings
):
    _book_today(bookings, location=location)
    http = client_as("front_desk")
    http.get(reverse("practice:home"))  # warm the time-zone cache
    # Session (none when the cache holds it), user, roles, the remembered desk
    # view (the locations come cached, with the middleware's zones), the
    # day's roster (hours and therapists booked), appointments, their invoices
    # with their clients' open balances; the roster and the billing are one
    # statement each on PostgreSQL, two elsewhere. The session is not saved
    # again within the minute. (An empty day skips billing; the desk has no
    # therapist profile to read.)
    cached = settings.SESSION_ENGINE.endswith("cached_db")
    written_out = connection.vendor == "postgresql"
    expected = 6 if written_out else 8
    for shown in ({}, {"day": "all"}):
        with django_assert_num_queries(expected + (0 if cached else 1)):
            http.get(reverse("practice:home"), shown)


def test_each_entry_says_who_what_where_and_links_to_the_appointment(
    client_as, therapist, location
):
    tz = practice_time_zone()
    today = timezone.localtime(timezone.now(), tz).date()
    appointment = AppointmentFactory(
        therapist=therapist,
        location=location,
        room=RoomFactory(location=location, name="Garden room"),
        client=ClientFactory(
            first_name="Margaret", preferred_name="Peggy", last_name="Olsen", has_red_flags=True
        ),
        service=ServiceFactory(name="90 min myofascial release"),
        starts_at=datetime.combine(today, time(9, 30), tzinfo=tz),
        status=Appointment.Status.CONFIRMED,
    )
    body = client_as("front_desk").get(reverse("practice:home"), {"day": "all"}).content.decode()
    detail = reverse("practice:appointment_detail", args=[appointment.pk])
    assert f'href="{detail}"' in body
    for shown in (
        "09:30",
        "Peggy Olsen",
        "Review before treating",
        "90 min myofascial release",
        therapist.display_name,
        "Garden room",
        "Confirmed",
    ):
        assert shown in body


def test_a_therapists_day_lists_each_location_on_its_own_clock_and_day(
    client_as, therapist, location
):
    """New York is the main location; a London appointment of London's today is
    listed at London time, naming the zone and the location."""
    london = LocationFactory(name="Relief Soho", time_zone="Europe/London")
    tz = ZoneInfo(london.time_zone)
    london_today = timezone.localtime(timezone.now(), tz).date()
    starts_at = datetime.combine(london_today, time(12), tzinfo=tz)
    AppointmentFactory(therapist=therapist, location=london, starts_at=starts_at)
    body = client_as("therapist").get(reverse("practice:home")).content.decode()
    assert f"12:00–13:00 {starts_at.tzname()}" in body
    assert "Relief Soho" in body


def test_the_desk_sees_the_chosen_location_on_its_own_clock(client_as, therapist, location):
    london = LocationFactory(name="Relief Soho", time_zone="Europe/London")
    tz = ZoneInfo(london.time_zone)
    starts_at = datetime.combine(timezone.localtime(timezone.now(), tz).date(), time(12), tzinfo=tz)
    AppointmentFactory(therapist=therapist, location=london, starts_at=starts_at)
    http = client_as("front_desk")
    body = http.get(reverse("practice:home"), {"day": "all"}).content.decode()
    assert f"12:00–13:00 {starts_at.tzname()}" not in body  # the first location shows
    body = http.get(reverse("practice:home"), {"location": london.pk, "day": "all"})
    body = body.content.decode()
    assert "Today at Relief Soho" in body
    assert f"12:00–13:00 {starts_at.tzname()}" in body


def test_the_desk_checks_out_and_sees_who_owes_from_today(client_as, therapist, location):
    from billing import services as billing
    from practice.models import Appointment

    tz = practice_time_zone()
    today = timezone.localtime(timezone.now(), tz).date()
    maria = ClientFactory(first_name="Maria", last_name="Gonzalez")
    service = ServiceFactory(buffer_after=timedelta(0), price="90.00")

    def visit(hour, status, client=maria):
        return AppointmentFactory(
            therapist=therapist,
            service=service,
            location=location,
            client=client,
            status=status,
            starts_at=datetime.combine(today, time(hour), tzinfo=tz),
        )

    done = visit(8, Appointment.Status.COMPLETED)
    paid = visit(10, Appointment.Status.COMPLETED, client=ClientFactory(first_name="Tom"))
    later = visit(15, Appointment.Status.BOOKED)
    # Maria still owes 90 from an older visit.
    old = AppointmentFactory(
        therapist=therapist,
        service=service,
        location=location,
        client=maria,
        status=Appointment.Status.COMPLETED,
        starts_at=timezone.now() - timedelta(days=14),
    )
    billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=old, by=None), by=None
    )
    settled = billing.invoice_issue(
        invoice=billing.invoice_open_for_appointment(appointment=paid, by=None), by=None
    )
    billing.payment_record(invoice=settled, method="cash", amount="90", by=None)

    page = client_as("front_desk").get(reverse("practice:home"), {"day": "all"}).content.decode()
    items = page.split('class="list-group-item position-relative')[1:]
    rows = {appt.pk: part for appt, part in zip((done, paid, later), items, strict=True)}
    assert reverse("billing:checkout", args=[done.pk]) in rows[done.pk]
    assert "Owes $90.00 in all" in rows[done.pk]
    assert "Paid · invoice" in rows[paid.pk]
    assert "Checkout" not in rows[later.pk]  # not seen yet
    assert "Owes $90.00 in all" in rows[later.pk]

    # A therapist's own day shows no money.
    own = client_as("therapist").get(reverse("practice:home")).content.decode()
    assert "today-money" not in own and "Owes" not in own
