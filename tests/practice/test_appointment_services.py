from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from practice import services
from practice.models import Appointment, Reminder
from tests.factories import (
    ClientFactory,
    RoomFactory,
    ServiceFactory,
    TherapistFactory,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(location, therapist, front_desk):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    client = ClientFactory(consent_email_reminders=True, consent_sms_reminders=True)
    tz = ZoneInfo(location.time_zone)
    day = timezone.localdate(timezone.now(), tz) + timedelta(days=5)
    start = datetime.combine(day, time(10), tzinfo=tz)
    for weekday in range(7):
        WorkingHoursFactory(
            therapist=therapist,
            location=location,
            weekday=weekday,
            start_time=time(8),
            end_time=time(20),
        )
    return {
        "client": client,
        "therapist": therapist,
        "service": service,
        "starts_at": start,
        "booked_by": front_desk,
        "location": location,
    }


def test_booking_stores_occupied_time_and_schedules_reminders(setup):
    appointment = services.appointment_book(**setup)
    assert appointment.ends_at == setup["starts_at"] + timedelta(minutes=60)
    assert appointment.occupied_until == appointment.ends_at + timedelta(minutes=15)
    kinds = set(appointment.reminders.values_list("channel", "kind"))
    assert kinds == {
        (channel, kind)
        for channel in ("email", "sms")
        for kind in ("confirmation", "before_48h", "before_2h")
    }
    before = appointment.reminders.get(channel="email", kind="before_48h")
    assert before.due_at == appointment.starts_at - timedelta(hours=48)


def test_clash_is_a_form_error_naming_the_conflict(setup):
    first = services.appointment_book(**setup)
    with pytest.raises(services.AppointmentClash) as caught:
        services.appointment_book(
            **{**setup, "starts_at": setup["starts_at"] + timedelta(minutes=70)}
        )
    assert caught.value.conflict == first
    assert "already booked" in caught.value.messages[0]
    assert Appointment.objects.count() == 1


def test_service_not_offered_by_therapist_is_refused(setup):
    with pytest.raises(ValidationError) as caught:
        services.appointment_book(**{**setup, "service": ServiceFactory()})
    assert "does not offer" in str(caught.value)


def test_booking_in_the_past_is_refused(setup):
    with pytest.raises(ValidationError) as caught:
        services.appointment_book(**{**setup, "starts_at": timezone.now() - timedelta(hours=1)})
    assert "in the past" in str(caught.value)


def test_inactive_therapist_is_refused(setup):
    setup["therapist"].active = False
    setup["therapist"].save()
    with pytest.raises(ValidationError):
        services.appointment_book(**setup)


def test_room_is_picked_when_the_service_needs_one(setup, location):
    service = ServiceFactory(needs_room=True)
    setup["therapist"].services.add(service)
    room = RoomFactory(location=location, name="Room A")
    appointment = services.appointment_book(**{**setup, "service": service})
    assert appointment.room == room
    other = TherapistFactory(services=[service])
    WorkingHoursFactory(
        therapist=other, location=location, weekday=setup["starts_at"].weekday(), start_time=time(8)
    )
    with pytest.raises(ValidationError) as caught:
        services.appointment_book(**{**setup, "service": service, "therapist": other})
    assert "No room is free" in str(caught.value)


def test_cancel_keeps_history_frees_time_and_stops_reminders(setup, front_desk):
    appointment = services.appointment_book(**setup)
    # The client heard of the booking on both channels, so both get a notice.
    appointment.reminders.filter(kind="confirmation").update(status=Reminder.Status.SENT)
    cancelled = services.appointment_cancel(appointment=appointment, by=front_desk, reason="Flu")
    assert cancelled.status == Appointment.Status.CANCELLED
    assert cancelled.cancel_reason == "Flu"
    assert cancelled.late_cancel is False
    assert not appointment.reminders.filter(
        status=Reminder.Status.PENDING, kind__in=["confirmation", "before_48h", "before_2h"]
    ).exists()
    assert appointment.reminders.filter(kind="cancellation", status="pending").count() == 2
    again = services.appointment_book(**setup)
    assert again.pk != appointment.pk
    assert Appointment.objects.count() == 2


def test_cancel_inside_the_window_is_flagged_late(setup, front_desk):
    now = setup["starts_at"] - timedelta(hours=3)
    appointment = services.appointment_book(**setup, now=now)
    cancelled = services.appointment_cancel(appointment=appointment, by=front_desk, now=now)
    assert cancelled.late_cancel is True


def test_reschedule_moves_reminders_to_the_new_time(setup, front_desk):
    appointment = services.appointment_book(**setup)
    new_start = setup["starts_at"] + timedelta(days=2)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=new_start, by=front_desk
    )
    assert moved.starts_at == new_start
    reminder = moved.reminders.get(channel="email", kind="before_2h")
    assert reminder.due_at == new_start - timedelta(hours=2)
    assert reminder.status == Reminder.Status.PENDING


def test_reschedule_onto_itself_overlapping_is_allowed(setup, front_desk):
    appointment = services.appointment_book(**setup)
    moved = services.appointment_reschedule(
        appointment=appointment, starts_at=setup["starts_at"] + timedelta(minutes=30), by=front_desk
    )
    assert moved.starts_at == setup["starts_at"] + timedelta(minutes=30)


def test_status_lifecycle_refuses_impossible_steps(setup, front_desk):
    appointment = services.appointment_book(**setup)
    checked_in = services.appointment_check_in(appointment=appointment, by=front_desk)
    assert checked_in.checked_in_at is not None
    done = services.appointment_complete(appointment=checked_in, by=front_desk)
    assert done.status == Appointment.Status.COMPLETED
    with pytest.raises(ValidationError):
        services.appointment_cancel(appointment=done, by=front_desk)


def test_no_show_only_after_the_start(setup, front_desk):
    appointment = services.appointment_book(**setup)
    with pytest.raises(ValidationError):
        services.appointment_mark_no_show(appointment=appointment, by=front_desk)
    marked = services.appointment_mark_no_show(
        appointment=appointment, by=front_desk, now=appointment.starts_at + timedelta(minutes=20)
    )
    assert marked.status == Appointment.Status.NO_SHOW


def test_a_weekly_series_through_the_fall_back_night_keeps_each_session_an_hour(
    location, therapist, front_desk, settings
):
    """Both dates at 01:30 local; on the night the clocks go back, an hour from
    the first 01:30 ends at the second 01:30, not at 02:30 (two hours later)."""
    from tests.practice.scheduling_world import next_clock_change, works_every_day

    settings.RELIEF_BOOKING_HORIZON_DAYS = 400  # the next fall-back night may be months away
    service = ServiceFactory(needs_room=False, duration=timedelta(hours=1))
    therapist.services.add(service)
    works_every_day(therapist, location, start=time(0), end=time(4))
    night = next_clock_change(location, back=True)
    first = datetime.combine(
        night - timedelta(weeks=1), time(1, 30), tzinfo=ZoneInfo(location.time_zone)
    )
    plan = services.appointment_series_plan(
        therapist=therapist,
        service=service,
        first_starts_at=first,
        every_weeks=1,
        count=2,
        location=location,
    )
    assert [problem for _, problem in plan] == [None, None]
    booked, skipped = services.appointment_book_series(
        starts=[starts_at for starts_at, _ in plan],
        booked_by=front_desk,
        client=ClientFactory(),
        therapist=therapist,
        service=service,
        location=location,
    )
    assert (len(booked), skipped) == (2, [])
    stored = Appointment.objects.order_by("starts_at")
    assert [a.ends_at - a.starts_at for a in stored] == [timedelta(hours=1)] * 2
