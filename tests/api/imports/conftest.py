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
