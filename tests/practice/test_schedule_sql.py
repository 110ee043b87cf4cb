"""The slot search's fixed SQL (`practice.statements.schedule`) reads exactly the rows
of the ORM queries it stands in for, and the schedules built from either are
the same, on a random practice of two locations with every edge the queries
filter on: inactive therapists and rooms, therapists not offering the service
or not bookable online, cancelled and no-show bookings, bookings and time off
just inside and just outside the range, an excluded appointment."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection

from practice import selectors
from practice.models import Appointment, Room, Therapist, TimeOff, WorkingHours
from practice.statements import schedule as schedule_sql
from tests.factories import ClientFactory, LocationFactory, ServiceFactory
from tests.practice.test_query_counts import count

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
]

START = datetime(2027, 3, 1, tzinfo=UTC)
END = START + timedelta(days=5)
STATUSES = [*Appointment.ACTIVE_STATUSES, Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW]


@pytest.fixture
def world(location):
    rng = random.Random(19)
    other = LocationFactory(time_zone="America/Los_Angeles")
    places = [location, other]
    service, second = ServiceFactory(), ServiceFactory(needs_room=False)
    users = User.objects.bulk_create(User(username=f"sql{n}") for n in range(12))
    staff = Therapist.objects.bulk_create(
        Therapist(
            user=user,
            # Two share a name: the order falls back to the id, as the ORM's does.
            display_name=f"Therapist {min(n, 10):02d}",
            active=n != 3,
            bookable_online=n % 4 != 1,
            slot_mode=Therapist.SlotMode.COMPACT if n == 5 else Therapist.SlotMode.GRID,
        )
        for n, user in enumerate(users)
    )
    Therapist.services.through.objects.bulk_create(
        Therapist.services.through(therapist_id=t.pk, service_id=s.pk)
        for n, t in enumerate(staff)
        for s in ([service, second] if n != 7 else [second])
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(
            therapist=t,
            location=places[(n + weekday) % 2],
            weekday=weekday,
            start_time=time(8 + n % 3),
            end_time=time(13 + n % 5),
        )
        for n, t in enumerate(staff)
        for weekday in rng.sample(range(7), 4)
    )
    rooms = Room.objects.bulk_create(
        Room(location=places[n % 2], name=f"Room {n:02d}", active=n != 4) for n in range(14)
    )
    client = ClientFactory()
    bookings = []
    for n, t in enumerate(staff):
        # Each therapist's bookings an hour apart, each in their own room (or
        # none), so no exclusion constraint is touched; the range's edges too.
        for h in range(-30, 150, 1 + n % 3):
            starts_at = START + timedelta(hours=h, minutes=15 * (n % 4))
            bookings.append(
                Appointment(
                    client=client,
                    therapist=t,
                    service=service,
                    location=places[h % 2],
                    room=rooms[n] if rng.random() < 0.7 else None,
                    status=rng.choice(STATUSES),
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=45),
                    occupied_until=starts_at + timedelta(minutes=rng.choice((46, 60))),
                )
            )
    Appointment.objects.bulk_create(bookings)
    TimeOff.objects.bulk_create(
        TimeOff(therapist=t, starts_at=at, ends_at=at + timedelta(hours=rng.choice((2, 30))))
        for n, t in enumerate(staff)
        for at in (START - timedelta(hours=1 + n), START + timedelta(days=n % 6, hours=n))
    )
    return {
        "places": places,
        "services": [service, second],
        "staff": staff,
        "excluded": bookings[40],
    }


def _shift_cases(world):
    ids = [t.pk for t in world["staff"]]
    for service in world["services"]:
        for place in [None, *world["places"]]:
            for therapist_ids in (None, ids[2:9], [], [ids[3]]):
                for online_only in (False, True):
                    yield {
                        "service_id": service.pk,
                        "therapist_ids": therapist_ids,
                        "location_id": place and place.pk,
                        "online_only": online_only,
                    }


def test_shift_rows_are_the_orm_rows_in_the_same_order(world):
    for case in _shift_cases(world):
        assert schedule_sql.shift_rows(**case) == list(selectors._shift_rows(**case)), case


def _by_kind(rows):
    """Time off and rooms in their order (by start, by name); bookings as a set
    of rows (neither read orders them)."""
    kinds = {kind: [row for row in rows if row[0] == kind] for kind in range(3)}
    return (
        kinds[schedule_sql.TIME_OFF],
        kinds[schedule_sql.ROOM],
        sorted(kinds[schedule_sql.BOOKING], key=repr),
    )


def _busy_cases(world):
    ids = [t.pk for t in world["staff"]]
    for place in [None, *world["places"]]:
        for booking_ids in (ids, ids[:5], []):
            for off_ids in (booking_ids, ids[4:], []):
                for rooms in (True, False):
                    for exclude in (None, world["excluded"].pk):
                        yield {
                            "start": START,
                            "end": END,
                            "off_ids": off_ids,
                            "booking_ids": booking_ids,
                            "rooms": rooms,
                            "location_id": place and place.pk,
                            "exclude_id": exclude,
                        }


def test_busy_rows_are_the_orm_rows(world):
    seen = 0
    for case in _busy_cases(world):
        rows = schedule_sql.busy_rows(**case)
        assert _by_kind(rows) == _by_kind(selectors._busy_rows(**case)), case
        seen += len(rows)
    assert seen > 1000  # the cases read real rows, not only empty answers


def _schedule(world, service, location_id, monkeypatch, *, fast):
    monkeypatch.setattr(schedule_sql, "available", lambda: fast)
    schedule = selectors.load_schedule(
        service=service,
        start=START,
        end=END,
        location_id=location_id,
        exclude_appointment=world["excluded"],
    )
    return (
        schedule.therapists,
        schedule.shifts,
        schedule.time_zones,
        schedule.compact,
        schedule.rooms,
        {tid: sorted(busy) for tid, busy in schedule.busy.items()},
        {room: sorted(busy) for room, busy in schedule.room_busy.items()},
    )


@pytest.mark.parametrize("at", [None, 0, 1])
@pytest.mark.parametrize("which", [0, 1])
def test_schedules_read_either_way_are_the_same(world, monkeypatch, at, which):
    service = world["services"][which]
    location_id = None if at is None else world["places"][at].pk
    fast = _schedule(world, service, location_id, monkeypatch, fast=True)
    assert fast == _schedule(world, service, location_id, monkeypatch, fast=False)
    assert fast[5] and (fast[6] or not service.needs_room)


def test_the_busy_times_are_one_query(world):
    service = world["services"][0]
    schedule = selectors.load_shifts(service=service)
    assert connection.vendor == "postgresql"
    queries = count(
        lambda: selectors.load_busy(
            schedule, service=service, start=START, end=END, therapist_ids=schedule.therapists
        )
    )
    assert queries == 1
    assert schedule.busy and schedule.rooms and schedule.room_busy
