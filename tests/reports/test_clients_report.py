"""The clients report's one pass over the visits equals the rules computed visit by visit.

A seeded practice of all statuses at two clinics; the reference below reads
every appointment and applies DESIGN's rules in Python, for several periods
and filters, with some windows still open at `now`.
"""

import random
from collections import defaultdict
from datetime import datetime, timedelta

import pytest

from practice.models import Appointment, Therapist
from reports import clientele
from tests import factories
from tests.reports.conftest import NY

pytestmark = pytest.mark.django_db
S = Appointment.Status
NOW = datetime(2026, 5, 20, 12, tzinfo=NY)
PERIODS = [
    (datetime(2026, 1, 1, tzinfo=NY), datetime(2026, 5, 1, tzinfo=NY)),
    (datetime(2026, 2, 1, tzinfo=NY), datetime(2026, 3, 1, tzinfo=NY)),
    (datetime(2026, 3, 9, tzinfo=NY), datetime(2026, 3, 23, tzinfo=NY)),
]


@pytest.fixture
def second(db):
    return factories.LocationFactory(name="Relief Uptown")


@pytest.fixture
def practice(therapist, other_therapist, location, second, service):
    rng = random.Random(11)
    therapists = [therapist, other_therapist, factories.TherapistFactory(display_name="Kim Lee")]
    clients = [factories.ClientFactory() for _ in range(30)]
    statuses = [S.COMPLETED] * 6 + [S.CHECKED_IN, S.CANCELLED, S.NO_SHOW, S.BOOKED, S.REQUESTED]
    for day in range(200):
        when = datetime(2025, 11, 20, 8, tzinfo=NY) + timedelta(days=day)
        for slot, who in enumerate(therapists):
            if rng.random() < 0.6:
                factories.AppointmentFactory(
                    client=rng.choice(clients),
                    therapist=who,
                    service=service,
                    location=rng.choice([location, second]),
                    starts_at=when + timedelta(hours=2 * slot + rng.randint(0, 1)),
                    status=rng.choice(statuses),
                )


@pytest.fixture
def edges(therapist, other_therapist, location, second, service):
    """Visits on the windows' and periods' edges, at one instant, across a clock change."""

    def visit(client, who, when, status=S.COMPLETED, where=location):
        factories.AppointmentFactory(
            client=client,
            therapist=who,
            service=service,
            location=where,
            starts_at=when,
            status=status,
        )

    tied = factories.ClientFactory()
    feb = datetime(2026, 2, 1, tzinfo=NY)  # the second period's first instant
    visit(tied, therapist, feb)
    # At the same instant with someone else: neither is "after" the other, so
    # neither is rebooked or seen again, and both are first in the period.
    visit(tied, other_therapist, feb, S.CHECKED_IN, second)
    twice = factories.ClientFactory()
    visit(twice, therapist, feb + timedelta(days=1))
    # Exactly 6 weeks later, across the March change to daylight time: rebooked.
    visit(twice, therapist, feb + timedelta(days=1) + clientele.REBOOK_WINDOW, S.BOOKED)
    # On the second period's end (outside it), inside the first.
    visit(twice, therapist, datetime(2026, 3, 1, tzinfo=NY))
    lapsed = factories.ClientFactory()
    visit(lapsed, other_therapist, datetime(2026, 3, 9, tzinfo=NY))
    # Neither a no-show, a cancellation nor a request is a rebooking or a visit.
    for day, status in ((10, S.NO_SHOW), (11, S.CANCELLED), (12, S.REQUESTED)):
        visit(lapsed, therapist, datetime(2026, 3, day, 22, tzinfo=NY), status)
    for day, late in ((5, timedelta(0)), (6, timedelta(seconds=1))):
        client = factories.ClientFactory()
        first = datetime(2026, 1, day, 22, tzinfo=NY)
        visit(client, therapist, first)
        # Seen again exactly 90 days on (retained), or a second after (not).
        visit(client, other_therapist, first + clientele.RETENTION_WINDOW + late, S.CHECKED_IN)


def live(start, end, location, therapist):
    rows = list(Appointment.objects.values())
    of_client = defaultdict(list)
    for row in rows:
        of_client[row["client_id"]].append(row)

    def visited(row):
        return row["status"] in clientele.VISITED

    visits = [
        v
        for v in rows
        if visited(v)
        and start <= v["starts_at"] < end
        and (location is None or v["location_id"] == location.pk)
        and (therapist is None or v["therapist_id"] == therapist.pk)
    ]
    tallies = defaultdict(lambda: defaultdict(set))
    for v in visits:
        mine = of_client[v["client_id"]]
        at = v["starts_at"]
        earlier = [
            b
            for b in mine
            if visited(b)
            and start <= b["starts_at"] < at
            and (location is None or b["location_id"] == location.pk)
        ]
        for key, first in (
            (v["therapist_id"], not [b for b in earlier if b["therapist_id"] == v["therapist_id"]]),
            (clientele.ALL_THERAPISTS, not earlier),
        ):
            tally = tallies[key]
            tally["clients"].add(v["client_id"])
            if not any(visited(b) and b["starts_at"] < start for b in mine):
                tally["new"].add(v["client_id"])
            if at <= NOW - clientele.REBOOK_WINDOW:
                tally["visits"].add(v["id"])
                tally["visit_clients"].add(v["client_id"])
                if any(
                    b["status"] not in (S.CANCELLED, S.REQUESTED)
                    and at < b["starts_at"] <= at + clientele.REBOOK_WINDOW
                    for b in mine
                ):
                    tally["rebooked"].add(v["id"])
            if at <= NOW - clientele.RETENTION_WINDOW and first:
                tally["firsts"].add(v["client_id"])
                if any(
                    visited(b) and at < b["starts_at"] <= at + clientele.RETENTION_WINDOW
                    for b in mine
                ):
                    tally["returned"].add(v["client_id"])
    names = dict(Therapist.objects.values_list("pk", "display_name"))

    def table(present, figures):
        named = sorted((names[k], t) for k, t in tallies.items() if k in names and t[present])
        if not named:
            return []
        everyone = (clientele.ALL_THERAPISTS, tallies[clientele.ALL_THERAPISTS])
        return [(name, *(len(tally[f]) for f in figures)) for name, tally in [everyone, *named]]

    return {
        "flow": table("clients", ("clients", "new")),
        "rebooking": table("visits", ("visits", "visit_clients", "rebooked")),
        "retention": table("firsts", ("firsts", "returned")),
    }


FIELDS = {
    "flow": ("clients", "new"),
    "rebooking": ("visits", "clients", "rebooked"),
    "retention": ("clients", "returned"),
}


@pytest.mark.parametrize("probes", [True, pytest.param(False, marks=pytest.mark.postgres)])
def test_the_report_equals_the_rules_visit_by_visit(
    practice, edges, location, second, other_therapist, probes
):
    """Both formulations: the probes of the appointments (SQLite's) and the visit
    summary (PostgreSQL's)."""
    compared = 0
    for start, end in PERIODS:
        for where, who in [
            (None, None),
            (second, None),
            (None, other_therapist),
            (location, None),
            (second, other_therapist),
        ]:
            report = clientele.clients_report(
                start=start, end=end, location=where, therapist=who, now=NOW, probes=probes
            )
            got = {
                key: [(row["name"], *(row[f] for f in FIELDS[key])) for row in rows]
                for key, rows in report.items()
            }
            assert got == live(start, end, where, who), (start, end, where, who)
            compared += sum(len(rows) for rows in got.values())
    # Real rows in every table, including retention's (its 90 days have passed).
    assert compared > 50
    first = clientele.clients_report(start=PERIODS[0][0], end=PERIODS[0][1], now=NOW, probes=probes)
    assert first["retention"]
