"""The booking service enforces working hours, time off and the horizon."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError

from practice import services
from tests.factories import ClientFactory, ServiceFactory, TimeOffFactory, WorkingHoursFactory
from tests.practice.scheduling_world import local_at, local_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(location, therapist, front_desk):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    day = local_day(location, 5)
    WorkingHoursFactory(
        therapist=therapist,
        location=location,
        weekday=day.weekday(),
        start_time=time(9),
        end_time=time(13),
    )
    WorkingHoursFactory(
        therapist=therapist,
        location=location,
        weekday=day.weekday(),
        start_time=time(14),
        end_time=time(18),
    )
    return {
        "client": ClientFactory(),
        "therapist": therapist,
        "service": service,
        "location": location,
        "booked_by": front_desk,
        "starts_at": local_at(location, day, 9),
    }


def _error(booking, **changes):
    with pytest.raises(ValidationError) as caught:
        services.appointment_book(**{**booking, **changes})
    return " ".join(caught.value.messages)


def test_booking_inside_a_split_shift_is_accepted(booking):
    assert services.appointment_book(**booking).pk


def test_booking_over_the_lunch_gap_is_refused_with_the_hours(booking):
    message = _error(booking, starts_at=booking["starts_at"].replace(hour=12, minute=30))
    assert "does not work 12:30–13:30" in message
    assert "09:00–13:00, 14:00–18:00" in message


def test_booking_on_a_day_off_is_refused(booking):
    message = _error(booking, starts_at=booking["starts_at"] + timedelta(days=1))
    assert "no hours on" in message


def test_booking_during_time_off_is_refused(booking):
    TimeOffFactory(
        therapist=booking["therapist"],
        starts_at=booking["starts_at"] - timedelta(hours=1),
        ends_at=booking["starts_at"] + timedelta(hours=2),
        reason="Dentist",
    )
    assert "is off" in _error(booking)


def test_booking_beyond_the_horizon_is_refused(booking, settings):
    settings.RELIEF_BOOKING_HORIZON_DAYS = 2
    assert "at most 2 days ahead" in _error(booking)


def test_rescheduling_outside_working_hours_is_refused(booking, front_desk):
    appointment = services.appointment_book(**booking)
    with pytest.raises(ValidationError) as caught:
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=booking["starts_at"].replace(hour=19),
            by=front_desk,
        )
    assert "does not work" in str(caught.value)
