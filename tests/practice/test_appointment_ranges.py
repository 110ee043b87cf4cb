"""Range lookups on appointments rely on an appointment holding at most a day.

`overlapping` and `between` scan starts_at from `start - MAX_OCCUPIED`, so the
bound is enforced where appointments and services are written, on SQLite and
PostgreSQL alike.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from practice.models import MAX_OCCUPIED, Appointment, Service
from tests.factories import AppointmentFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_an_appointment_cannot_hold_more_than_a_day():
    appointment = AppointmentFactory()
    appointment.ends_at = appointment.starts_at + timedelta(hours=20)
    appointment.occupied_until = appointment.starts_at + MAX_OCCUPIED + timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        appointment.save()


def test_an_appointment_of_exactly_a_day_is_allowed_and_found_at_its_far_end():
    long_one = AppointmentFactory()
    Appointment.objects.filter(pk=long_one.pk).update(
        ends_at=long_one.starts_at + timedelta(hours=12),
        occupied_until=long_one.starts_at + MAX_OCCUPIED,
    )
    last_minute = long_one.starts_at + MAX_OCCUPIED - timedelta(minutes=1)
    found = Appointment.objects.overlapping(last_minute, last_minute + timedelta(hours=1))
    assert list(found) == [long_one]
    assert not Appointment.objects.overlapping(
        long_one.starts_at + MAX_OCCUPIED, long_one.starts_at + MAX_OCCUPIED + timedelta(hours=1)
    ).exists()
    session_end = long_one.starts_at + timedelta(hours=12)
    assert list(Appointment.objects.between(session_end - timedelta(minutes=1), session_end)) == [
        long_one
    ]
    assert not Appointment.objects.between(session_end, session_end + timedelta(hours=1)).exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("duration", "A session lasts at most 12 hours."),
        ("buffer_after", "Cleanup time is at most 12 hours."),
    ],
)
def test_a_service_longer_than_half_a_day_is_refused_with_a_reason(field, message):
    service = ServiceFactory.build(**{field: MAX_OCCUPIED / 2 + timedelta(minutes=15)})
    with pytest.raises(ValidationError) as refused:
        service.full_clean()
    assert message in str(refused.value)
    assert not Service.objects.filter(name=service.name).exists()
