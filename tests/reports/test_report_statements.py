"""The reports' hand-written PostgreSQL statements give what the ORM's reference gives.

SQLite (development) runs the ORM's queries; PostgreSQL runs the statements.
Both are run here on PostgreSQL over a seeded practice of every status at two
clinics on two clocks, for several periods (one across New York's clock
change) and every filter.
"""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from practice.models import Appointment
from reports import selectors
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
S = Appointment.Status
STATUSES = [S.REQUESTED, S.BOOKED, S.CONFIRMED, S.CHECKED_IN, S.COMPLETED, S.CANCELLED, S.NO_SHOW]
PERIODS = [
    (datetime(2026, 3, 1, tzinfo=NY), datetime(2026, 4, 1, tzinfo=NY)),
    # The week of the clock change (8 March 2026 in New York).
    (datetime(2026, 3, 2, tzinfo=NY), datetime(2026, 3, 9, tzinfo=NY)),
    (datetime(2026, 2, 15, tzinfo=LA), datetime(2026, 5, 1, tzinfo=LA)),
]


@pytest.fixture
def practice(therapist, other_therapist, location):
    """Three therapists (two with one name) seeing a shared pool of clients at two clinics."""
    west = factories.LocationFactory(name="West", time_zone="America/Los_Angeles")
    namesake = factories.TherapistFactory(display_name=therapist.display_name)
    services = [factories.ServiceFactory(name=n) for n in ("Deep tissue 60", "Relaxation 30")]
    clients = [factories.ClientFactory() for _ in range(30)]
    rng = random.Random(17)
    for person in (therapist, other_therapist, namesake):
        when = datetime(2026, 2, 20, 8, tzinfo=NY)
        for _ in range(90):
            when += timedelta(hours=rng.choice([2, 3, 20]))
            status = rng.choice(STATUSES)
            factories.AppointmentFactory(
                therapist=person,
                client=rng.choice(clients),
                service=rng.choice(services),
                location=rng.choice([location, west]),
                starts_at=when,
                status=status,
                late_cancel=status == S.CANCELLED and rng.random() < 0.5,
            )
    return {"locations": [None, location, west], "therapists": [None, therapist, namesake]}


def _filters(practice):
    for start, end in PERIODS:
        for place in practice["locations"]:
            for person in practice["therapists"]:
                yield {"start": start, "end": end, "location": place, "therapist": person}


def test_attendance_counts_agree(practice):
    names, rows = set(), []
    for filters in _filters(practice):
        statement = selectors.attendance_counts(**filters, sql=True)
        assert statement == selectors.attendance_counts(**filters, sql=False), filters
        names |= {row["name"] for row in statement["by_therapist"]}
        rows += statement["by_therapist"] + statement["by_service"]
    # The practice exercises every count: no-shows, late cancellations, and
    # clients seen more than once (distinct clients fewer than appointments).
    assert all(any(row[key] for row in rows) for key in ("no_shows", "late_cancels"))
    assert any(row["clients"] < row["due"] for row in rows)
    # Both therapists of one name are one row, as the ORM groups them.
    assert len(names) == 2
