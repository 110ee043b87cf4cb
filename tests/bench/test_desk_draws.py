"""The desk booking bench's draws: each POST books the next of many returning
clients who take reminders (never the charted one), and a run first removes
what earlier runs booked for them, and nothing else."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bench.harness import BENCH_USERS
from bench.pages import (
    DESK_AHEAD,
    BenchData,
    _desk_bookings_removed,
    _desk_clients,
    booking_body,
)
from bench.run import BODIES_PER_RUN, FIRST_WRK_BODY
from practice.models import Appointment
from tests import factories
from tests.practice.scheduling_world import works_every_day

CLIENTS = tuple(f"client-{k}" for k in range(300))
DATA = BenchData(
    today=date(2026, 12, 1),
    therapist_id=1,
    client_id=None,
    service_id=1,
    slots=tuple(f"{1 + k % 25}|1|2027-02-10T09:{k % 60:02d}" for k in range(5000)),
    writer_client_id="writer",
    desk_client_ids=CLIENTS,
)


def test_every_post_of_a_run_in_flight_together_books_another_client():
    for first in (0, FIRST_WRK_BODY, FIRST_WRK_BODY + BODIES_PER_RUN):
        bodies = [booking_body(DATA, n) for n in range(first, first + len(CLIENTS))]
        assert len({body["client"] for body in bodies}) == len(CLIENTS)
        assert len({body["slot"] for body in bodies}) == len(CLIENTS)


def test_without_desk_clients_the_writer_books():
    alone = BenchData(**{**DATA.__dict__, "desk_client_ids": ()})
    assert {booking_body(alone, n)["client"] for n in range(5)} == {"writer"}


@pytest.mark.django_db
def test_desk_clients_are_returning_clients_and_earlier_runs_bookings_go(location, therapist):
    desk = factories.UserFactory(username=BENCH_USERS["front_desk"])
    other_desk = factories.UserFactory(username="frankie")
    service = factories.ServiceFactory(needs_room=False)
    works_every_day(therapist, location)
    tz = ZoneInfo(location.time_zone)
    today = timezone.localdate(timezone.now(), tz)
    regulars = [factories.ClientFactory(consent_email_reminders=True) for _ in range(3)]
    charted = factories.ClientFactory(consent_email_reminders=True)
    newcomer = factories.ClientFactory(consent_email_reminders=True)
    no_reminders = factories.ClientFactory(consent_email_reminders=False)
    gone = factories.ClientFactory(archived=True, consent_email_reminders=True)

    def booked(client, days, by, hour=10, source=Appointment.Source.FRONT_DESK):
        return factories.AppointmentFactory(
            client=client,
            therapist=therapist,
            service=service,
            location=location,
            starts_at=datetime.combine(today + timedelta(days=days), time(hour), tzinfo=tz),
            booked_by=by,
            source=source,
        )

    kept = [
        booked(regulars[0], -20, desk),  # generated history
        booked(regulars[1], 50, desk),  # generated, eight weeks ahead at most
        booked(regulars[2], DESK_AHEAD + 5, other_desk),  # a person's booking
        booked(no_reminders, -30, desk, hour=12),
        booked(gone, -40, desk, hour=12),
        booked(charted, DESK_AHEAD + 5, desk, hour=14, source=Appointment.Source.ONLINE),
    ]
    bench = [booked(regulars[0], DESK_AHEAD, desk, hour=12), booked(charted, DESK_AHEAD + 9, desk)]
    assert _desk_bookings_removed(today) == len(bench)
    assert set(Appointment.objects.values_list("pk", flat=True)) == {a.pk for a in kept}
    picked = _desk_clients(exclude=[charted.pk, None])
    assert sorted(picked) == sorted(str(c.pk) for c in regulars)
    assert str(newcomer.pk) not in picked
