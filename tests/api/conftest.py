"""API fixtures: a practice where Dana works every day, and bearer-token clients."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from api.rest.services import api_token_create
from tests import factories


@pytest.fixture
def bearer(db):
    """bearer(user) -> a Django test client sending that user's new API token."""

    def make(user, **settings):
        _, secret = api_token_create(user=user, name="test", days=30)
        return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    return make


@pytest.fixture
def practice(location, therapist, other_therapist, works_every_day):
    """Dana and Sam work every day; Dana has a client with one booking."""
    service = factories.ServiceFactory(name="60 min deep tissue", needs_room=False)
    for person in (therapist, other_therapist):
        person.services.add(service)
        works_every_day(person, location)
    client = factories.ClientFactory(
        primary_therapist=therapist, email="ana@example.com", consent_email_reminders=True
    )
    tz = ZoneInfo(location.time_zone)
    day = timezone.localdate(timezone.now(), tz) + timedelta(days=5)
    return SimpleNamespace(
        location=location,
        service=service,
        client=client,
        dana=therapist,
        sam=other_therapist,
        tz=tz,
        at=lambda hour, minute=0, days=0: datetime.combine(
            day + timedelta(days=days), time(hour, minute), tzinfo=tz
        ),
    )
