"""The database itself refuses overlapping active appointments (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from practice.models import Appointment
from tests.factories import AppointmentFactory, RoomFactory, TherapistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_therapist_cannot_hold_two_overlapping_active_appointments():
    first = AppointmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            therapist=first.therapist,
            service=first.service,
            starts_at=first.starts_at + timedelta(minutes=30),
        )


def test_buffer_counts_as_occupied_time():
    first = AppointmentFactory()
    # Starts after the session ends but inside the cleanup buffer.
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            therapist=first.therapist,
            service=first.service,
            starts_at=first.ends_at + timedelta(minutes=5),
        )


def test_back_to_back_after_buffer_is_allowed():
    first = AppointmentFactory()
    AppointmentFactory(
        therapist=first.therapist, service=first.service, starts_at=first.occupied_until
    )
    assert Appointment.objects.count() == 2


def test_cancelled_appointment_frees_the_time():
    first = AppointmentFactory(status=Appointment.Status.CANCELLED)
    AppointmentFactory(therapist=first.therapist, service=first.service, starts_at=first.starts_at)
    assert Appointment.objects.active().count() == 1


def test_room_cannot_be_double_booked_across_therapists():
    room = RoomFactory()
    first = AppointmentFactory(room=room)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            room=room,
            therapist=TherapistFactory(),
            service=first.service,
            starts_at=first.starts_at,
        )
