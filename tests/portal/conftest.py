from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories


@pytest.fixture
def maria(therapist):
    return factories.ClientFactory(
        first_name="Maria",
        email="maria@mail.test",
        phone="+12025550111",
        primary_therapist=therapist,
    )


@pytest.fixture
def upcoming(maria, therapist, location):
    """Maria's appointment with Dana in three days: outside the cancellation window."""
    return factories.AppointmentFactory(
        client=maria,
        therapist=therapist,
        location=location,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=3),
    )


def last_code(mailbox) -> str:
    import re

    return re.search(r"\b(\d{6})\b", mailbox[-1].body).group(1)


def last_link(mailbox) -> str:
    import re

    return re.search(r"(/my/link/[^/\s]+/)", mailbox[-1].body).group(1)


@pytest.fixture
def online(therapist, other_therapist, location):
    """A location that books online, with Dana and Sam working 09:00-17:00 every
    day and offering one 60-minute service that needs no room."""
    from datetime import time
    from types import SimpleNamespace

    location.online_booking = True
    location.online_new_clients = "instant"
    location.save()
    service = factories.ServiceFactory(name="60 min deep tissue", needs_room=False)
    for who in (therapist, other_therapist):
        who.services.add(service)
        for weekday in range(7):
            factories.WorkingHoursFactory(
                therapist=who,
                location=location,
                weekday=weekday,
                start_time=time(9),
                end_time=time(17),
            )
    return SimpleNamespace(location=location, service=service, dana=therapist, sam=other_therapist)


def in_days(location, days: int, hour: int = 10):
    """An instant `days` local days from now at `hour`:00 on the location's clock."""
    from datetime import datetime
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(location.time_zone)
    day = timezone.localtime(timezone.now(), tz).date() + timedelta(days=days)
    return datetime.combine(day, clock(hour), tzinfo=tz)


NEW_CLIENT = {
    "first_name": "Nora",
    "last_name": "Quinn",
    "email": "nora@mail.test",
    "phone": "+12025550177",
    "date_of_birth": __import__("datetime").date(1985, 4, 2),
    "consent_email": True,
    "consent_sms": False,
}
