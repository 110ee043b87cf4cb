"""Calendar, availability and booking cost a constant number of queries, whatever the volume."""

from datetime import time, timedelta
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from practice import selectors
from practice.models import Appointment, Room, Therapist, WorkingHours
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory
from tests.practice.scheduling_world import local_at, local_day, slot_value, works_every_day

pytestmark = pytest.mark.django_db
BUDGET = 15
SEARCH_DAYS = 14


def grow(location, service, *, therapists, per_day, days, first_day):
    """Add `therapists` working every day, each with `per_day` bookings a day."""
    tag = uuid4().hex[:6]
    users = User.objects.bulk_create(
        User(username=f"t{tag}{n}", first_name="T", last_name=str(n)) for n in range(therapists)
    )
    staff = Therapist.objects.bulk_create(
        Therapist(user=user, display_name=f"Therapist {tag} {n}") for n, user in enumerate(users)
    )
    Therapist.services.through.objects.bulk_create(
        Therapist.services.through(therapist_id=t.pk, service_id=service.pk) for t in staff
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist=t, location=location, weekday=d, start_time=time(8), end_time=time(18)
        )
        for t in staff
        for d in range(7)
    )
    client = ClientFactory()
    Appointment.objects.bulk_create(
        Appointment(
            client=client,
            therapist=t,
            service=service,
            location=location,
            starts_at=(start := local_at(location, first_day + timedelta(days=d), 8 + h)),
            ends_at=start + timedelta(minutes=45),
            occupied_until=start + timedelta(minutes=60),
        )
        for t in staff
        for d in range(days)
        for h in range(per_day)
    )


@pytest.fixture
def practice(location):
    # A fresh time-zone cache entry, so it cannot expire (one extra query) mid-test.
    cache.clear()
    service = ServiceFactory(needs_room=True)
    Room.objects.bulk_create(Room(location=location, name=f"Room {n}") for n in range(3))
    return {"location": location, "service": service, "day": local_day(location, 2)}


def count(func):
    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


def _page(http, name, day):
    def get():
        assert http.get(reverse(name), {"date": day.isoformat()}).status_code == 200

    return get


@pytest.mark.parametrize("name", ["practice:calendar_day", "practice:calendar_week"])
def test_calendar_queries_do_not_grow_with_bookings_or_therapists(
    client_as, practice, name, django_assert_max_num_queries
):
    http = client_as("front_desk")
    day = practice["day"]
    grow_args = {"location": practice["location"], "service": practice["service"]}
    page = _page(http, name, day)
    page()  # warm the per-process caches (time zone)
    grow(**grow_args, therapists=25, per_day=0, days=7, first_day=day)
    empty = count(page)
    grow(**grow_args, therapists=25, per_day=8, days=7, first_day=day)
    busy = count(page)
    grow(**grow_args, therapists=75, per_day=8, days=7, first_day=day)
    with django_assert_max_num_queries(BUDGET):
        crowded = count(page)
    assert empty == busy == crowded


def test_room_view_queries_do_not_grow(client_as, practice):
    http = client_as("front_desk")
    day = practice["day"]

    def page():
        http.get(reverse("practice:calendar_day"), {"date": day.isoformat(), "view": "rooms"})

    page()
    few = count(page)
    grow(practice["location"], practice["service"], therapists=30, per_day=8, days=1, first_day=day)
    assert count(page) == few <= BUDGET


def test_availability_search_queries_do_not_grow(practice):
    service, day = practice["service"], practice["day"]

    def search():
        slots, _ = selectors.available_slots(service=service, first_day=day, days=SEARCH_DAYS)
        search.found = len(slots)

    grow(practice["location"], service, therapists=25, per_day=0, days=0, first_day=day)
    empty = count(search)
    assert search.found > 0
    grow(practice["location"], service, therapists=25, per_day=8, days=SEARCH_DAYS, first_day=day)
    busy = count(search)
    grow(practice["location"], service, therapists=75, per_day=8, days=SEARCH_DAYS, first_day=day)
    crowded = count(search)
    assert empty == busy == crowded <= 8


def test_booking_page_with_slots_stays_within_budget(client_as, practice):
    http = client_as("front_desk")
    grow(
        practice["location"],
        practice["service"],
        therapists=25,
        per_day=8,
        days=7,
        first_day=practice["day"],
    )

    def page():
        http.get(
            reverse("practice:book"),
            {"service": practice["service"].pk, "date": practice["day"].isoformat()},
        )

    page()
    assert count(page) <= BUDGET


@pytest.mark.parametrize("needs_room", [True, False], ids=["with room", "no room"])
def test_booking_post_queries_do_not_grow_with_the_clients_history(
    sessions_as_deployed, client_as, location, therapist, needs_room, django_assert_max_num_queries
):
    """The whole request: user, roles, the form's rows, the rules, the room,
    the insert with its audit entry and reminders, the transaction. SQLite
    adds the clash check that PostgreSQL's exclusion constraints make."""
    service = ServiceFactory(needs_room=needs_room)
    therapist.services.add(service)
    works_every_day(therapist, location)
    Room.objects.bulk_create(Room(location=location, name=f"Room {n}") for n in range(3))
    client = ClientFactory(email="maria@example.com")
    day = local_day(location, 3)
    http = client_as("front_desk")

    def book(hour):
        def post():
            response = http.post(
                reverse("practice:book"),
                {
                    "client": str(client.pk),
                    "service": service.pk,
                    "therapist": "",
                    "date": day.isoformat(),
                    "slot": slot_value(therapist, location, local_at(location, day, hour)),
                    "repeat_weeks": "0",
                    "occurrences": "6",
                },
            )
            assert response.status_code == 302, response.content.decode()[:500]

        return post

    book(8)()  # warm the per-process caches
    first = count(book(10))
    for weeks in range(1, 31):
        AppointmentFactory(
            client=client,
            therapist=therapist,
            service=service,
            location=location,
            starts_at=local_at(location, day - timedelta(weeks=weeks), 10),
            status=Appointment.Status.COMPLETED,
        )
    clash_check = int(connection.vendor != "postgresql")
    with django_assert_max_num_queries(BUDGET + clash_check):
        regular = count(book(12))
    assert first == regular
    booked = Appointment.objects.filter(client=client, starts_at__gte=local_at(location, day, 0))
    assert booked.count() == 3


def _first_days(slots, n):
    days = sorted({s.local.date() for s in slots})[:n]
    return [(s.starts_at, s.therapist_id) for s in slots if s.local.date() in days]


@pytest.mark.parametrize("full_days", [0, 5])
def test_picker_search_stops_early_with_the_same_answer(practice, full_days):
    """The picker shows the first three days with free time: it may stop
    looking once it has them, but shows what a full 14-day search would."""
    service, day = practice["service"], practice["day"]
    # Each therapist works 08:00-18:00 and is booked every hour for `full_days` days.
    grow(practice["location"], service, therapists=3, per_day=10, days=full_days, first_day=day)

    def search(**kwargs):
        search.slots, _ = selectors.available_slots(
            service=service, first_day=day, days=SEARCH_DAYS, **kwargs
        )

    queries = count(lambda: search(enough_days=3))
    early = search.slots
    search()
    assert _first_days(early, 3) == _first_days(search.slots, 3) != []
    assert min(s.local.date() for s in early) == day + timedelta(days=full_days)
    start, end = selectors._range_around(day, day)
    per_round = count(lambda: selectors.load_schedule(service=service, start=start, end=end))
    # Four free days ahead: one round of the schedule's queries; else two, never
    # more, the weekly working hours read once for both.
    assert queries == (per_round if full_days == 0 else 2 * per_round - 1)
