"""The day roster's one statement gives what the ORM's two queries give."""

from datetime import time, timedelta

import pytest

from practice import selectors
from practice.models import Appointment
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    TherapistFactory,
    WorkingHoursFactory,
)
from tests.practice.scheduling_world import local_at, local_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def world(location):
    day = local_day(location, 3)
    other_place = LocationFactory(name="Harbour", time_zone="America/Los_Angeles")
    split = TherapistFactory(display_name="Zoe Split")
    morning = TherapistFactory(display_name="Amara Morning")
    gone = TherapistFactory(display_name="Kofi Gone", active=False)
    visiting = TherapistFactory(display_name="Levi Visiting")
    cancelled_only = TherapistFactory(display_name="Mia Cancelled")
    elsewhere = TherapistFactory(display_name="Noor Elsewhere")
    for start, end in ((time(14), time(19)), (time(8), time(12))):  # saved out of order
        WorkingHoursFactory(
            therapist=split,
            location=location,
            weekday=day.weekday(),
            start_time=start,
            end_time=end,
        )
    WorkingHoursFactory(
        therapist=morning,
        location=location,
        weekday=day.weekday(),
        start_time=time(7),
        end_time=time(13),
    )
    WorkingHoursFactory(  # another weekday
        therapist=morning,
        location=location,
        weekday=(day.weekday() + 1) % 7,
        start_time=time(7),
        end_time=time(13),
    )
    WorkingHoursFactory(
        therapist=gone,
        location=location,
        weekday=day.weekday(),
        start_time=time(9),
        end_time=time(17),
    )
    WorkingHoursFactory(
        therapist=elsewhere,
        location=other_place,
        weekday=day.weekday(),
        start_time=time(9),
        end_time=time(17),
    )

    def book(who, hour, *, on=day, where=location, status=Appointment.Status.BOOKED):
        start = local_at(where, on, hour)
        return AppointmentFactory(
            therapist=who,
            location=where,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            status=status,
        )

    book(visiting, 19)  # outside anyone's hours: still a column
    book(visiting, 21)
    book(morning, 9)
    book(split, 15)
    book(cancelled_only, 10, status=Appointment.Status.CANCELLED)
    book(cancelled_only, 11, on=day + timedelta(days=1))  # another day
    book(elsewhere, 12, where=other_place)
    return {
        "location": location,
        "day": day,
        "names": {"Levi Visiting", "Amara Morning", "Zoe Split"},
    }


def test_the_statement_and_the_orm_agree(world):
    location, day = world["location"], world["day"]
    roster = selectors.day_roster(location=location, day=day, sql=True)
    assert roster == selectors.day_roster(location=location, day=day, sql=False)
    assert {name for _, name, _ in roster.therapists} == world["names"]
    # Hours in the ORM's order: by name, then start.
    assert [(s, e) for _, s, e in roster.hours] == [
        (time(7), time(13)),
        (time(8), time(12)),
        (time(14), time(19)),
    ]
    for days in (-1, 1, 7):
        other = day + timedelta(days=days)
        assert selectors.day_roster(location=location, day=other, sql=True) == (
            selectors.day_roster(location=location, day=other, sql=False)
        )


def test_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.day_roster(location=world["location"], day=world["day"])
