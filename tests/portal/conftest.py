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
