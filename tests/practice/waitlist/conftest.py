from datetime import timedelta

import pytest

from practice import services as practice_services
from practice.waitlist import services
from tests import factories
from tests.practice.scheduling_world import local_at, local_day, works_every_day


@pytest.fixture
def world(location, therapist, front_desk):
    """Dana works 08:00-20:00 every day; Tom holds her 10:00 in five days."""
    service = factories.ServiceFactory(name="60 min deep tissue", needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    day = local_day(location, 5)
    tom = factories.ClientFactory(first_name="Tom", email="tom@mail.test")
    booked = practice_services.appointment_book(
        client=tom,
        therapist=therapist,
        service=service,
        location=location,
        starts_at=local_at(location, day, 10),
        booked_by=front_desk,
    )
    return {
        "service": service,
        "therapist": therapist,
        "location": location,
        "day": day,
        "booked": booked,
        "front_desk": front_desk,
    }


@pytest.fixture
def wait(world):
    """Put a client on the waitlist for the world's day (mornings unless told)."""

    def add(client=None, **overrides):
        client = client or factories.ClientFactory(consent_sms_reminders=True)
        fields = {
            "service": world["service"],
            "therapist": None,
            "date_from": world["day"] - timedelta(days=1),
            "date_to": world["day"] + timedelta(days=1),
            "morning": True,
            **overrides,
        }
        return services.entry_add(client=client, **fields)

    return add
