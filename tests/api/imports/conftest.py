"""An imports world: the practice the sample CSVs (tests/api/data/) were written for."""

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from tests import factories

DATA = Path(__file__).resolve().parent.parent / "data"
# The sample appointments are in the first week of March 2027; the dry run
# and the booking take "now" as a week before.
SAMPLE_NOW = datetime(2027, 2, 22, 15, 0, tzinfo=UTC)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


@pytest.fixture
def practice(location, therapist, other_therapist):
    """Dana and Sam work Monday to Friday, 9 to 5, and offer the 60-minute deep tissue."""
    service = factories.ServiceFactory(
        name="60 min deep tissue", duration=timedelta(minutes=60), needs_room=False
    )
    for person in (therapist, other_therapist):
        person.services.add(service)
        for weekday in range(5):
            factories.WorkingHoursFactory(
                therapist=person,
                location=location,
                weekday=weekday,
                start_time=time(9),
                end_time=time(17),
            )
    return service


def next_weekday_local(days_ahead: int = 7):
    """A Monday to Friday date at least `days_ahead` days from today, New York time."""
    from zoneinfo import ZoneInfo

    day = datetime.now(ZoneInfo("America/New_York")).date() + timedelta(days=days_ahead)
    while day.weekday() > 4:
        day += timedelta(days=1)
    return day


def appointments_csv(rows, header="Date,Start Time,Duration,Practitioner,Service,Client Email"):
    """An appointment export in US date order: each row a tuple of the header's values."""
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def upload(client, owner):
    """Upload `raw` as the owner; returns the response (follow=False)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    def send(raw: bytes, kind="clients", name="export.csv"):
        client.force_login(owner)
        return client.post(
            reverse("api:imports:start"),
            {"kind": kind, "file": SimpleUploadedFile(name, raw, content_type="text/csv")},
        )

    return send
