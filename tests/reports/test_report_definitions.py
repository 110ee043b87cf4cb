"""Utilisation's and attendance's grouped statements against their definitions,
applied appointment by appointment in Python, on edge cases: clock changes
(a gap at a Monday's midnight, daylight time), half-hour zones, clinics on
other clocks than the report's, period edges, every status and the filters.
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from practice.models import Appointment
from reports import periods, selectors, statistics
from tests import factories

S = Appointment.Status
ZONES = ("America/New_York", "America/Los_Angeles", "Asia/Tehran", "Asia/Kolkata")
# Weeks with a clock change: New York's spring gap and autumn fold, and
# Tehran's gap at midnight on Monday 22 March 2021 (00:00 is never shown).
PERIODS = [
    periods.Period(date(2021, 3, 3), date(2021, 4, 6)),
    periods.Period(date(2021, 10, 28), date(2021, 11, 16)),
    periods.Period(date(2021, 3, 22), date(2021, 3, 22)),
]
SQL_PATHS = [False, True] if connection.vendor == "postgresql" else [False]


def _instants(zone):
    """Around each local midnight of the periods (a minute either side), around
    every clock change, and some ordinary times, as aware instants."""
    tz = ZoneInfo(zone)
    found = set()
    days = {
        period.first + timedelta(days=i) for period in PERIODS for i in range(-1, period.days + 1)
    }
    for day in sorted(days):
        midnight = datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)
        found |= {midnight + timedelta(minutes=m) for m in (-61, -1, 0, 1, 59, 61)}
        offsets = {datetime.combine(day, time(h), tzinfo=tz).utcoffset() for h in (0, 12, 23)} | {
            datetime.combine(day, time(23, 59), tzinfo=tz).utcoffset()
        }
        if len(offsets) > 1:  # a clock change that day: every quarter hour of it
            found |= {midnight + timedelta(minutes=15 * q) for q in range(-8, 104)}
        found.add(datetime.combine(day, time(10, 30), tzinfo=tz).astimezone(UTC))
    return sorted(found)


@pytest.fixture
def practice(db):
    """Four clinics on four clocks, two therapists each (two of them sharing a
    name), short sessions of every status at the instants above."""
    rng = random.Random(19)
    clinics = [factories.LocationFactory(name=f"Clinic {zone}", time_zone=zone) for zone in ZONES]
    services = [
        factories.ServiceFactory(
            name=f"{minutes} min", duration=timedelta(minutes=minutes), buffer_after=timedelta(0)
        )
        for minutes in (1, 2)
    ]
    people = []
    for i, clinic in enumerate(clinics):
        for j in range(2):
            name = "Alex Kim" if (i, j) in ((0, 0), (2, 1)) else f"Therapist {i}-{j}"
            people.append((factories.TherapistFactory(display_name=name), clinic))
    clients = [factories.ClientFactory() for _ in range(12)]
    statuses = [*S.values, S.CANCELLED]
    rows = []
    for person, clinic in people:
        room = factories.RoomFactory(location=clinic)  # one each: rooms never clash
        for instant in _instants(clinic.time_zone):
            if rng.random() < 0.4:
                continue
            # At most a minute long, held no longer: the instants are a minute
            # or more apart, so none overlap.
            length = timedelta(seconds=rng.choice((20, 45, 60)))
            rows.append(
                Appointment(
                    therapist=person,
                    client=rng.choice(clients),
                    service=services[rng.random() < 0.2],
                    location=clinic,
                    room=room if rng.random() < 0.8 else None,
                    starts_at=instant,
                    ends_at=instant + length,
                    occupied_until=instant + length,
                    status=rng.choice(statuses),
                    late_cancel=rng.random() < 0.5,
                )
            )
    Appointment.objects.bulk_create(rows)
    return {"clinics": clinics, "people": [p for p, _ in people]}


def _bounds(period, tz):
    start = datetime.combine(period.first, time.min, tzinfo=tz)
    end = datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def _filters(practice):
    yield {}
    yield {"location": practice["clinics"][2]}
    yield {"therapist": practice["people"][0]}
    yield {"location": practice["clinics"][1], "therapist": practice["people"][3]}


def _in_period(start, end, location, therapist):
    rows = Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if location is not None:
        rows = rows.filter(location=location)
    if therapist is not None:
        rows = rows.filter(therapist=therapist)
    return rows


def _booked_by_definition(rows, tz):
    """Each booked appointment's length, on the Monday of the local day it starts."""
    by_therapist, by_room = defaultdict(int), defaultdict(int)
    for a in rows:
        if a.status not in selectors.BOOKED_STATUSES:
            continue
        day = a.starts_at.astimezone(tz).date()
        monday = day - timedelta(days=day.weekday())
        length = (a.ends_at - a.starts_at) // timedelta(microseconds=1)
        by_therapist[a.therapist_id, monday] += length
        if a.room_id is not None:
            by_room[a.room_id, monday] += length
    return dict(by_therapist), dict(by_room)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tehran", "Asia/Kolkata"])
@pytest.mark.parametrize("sql", SQL_PATHS)
def test_booked_time_per_week_is_each_sessions_length_on_its_local_monday(practice, zone, sql):
    tz = ZoneInfo(zone)
    for period in PERIODS:
        start, end = _bounds(period, tz)
        for chosen in _filters(practice):
            rows = _in_period(start, end, chosen.get("location"), chosen.get("therapist"))
            expected = _booked_by_definition(rows, tz)
            booked = selectors._booked_by_week_and_room(
                rows.filter(status__in=selectors.BOOKED_STATUSES),
                tz,
                periods.weeks(period),
                sql=sql,
            )
            assert booked == expected, (period, chosen)
            assert expected[0], "the case holds bookings"


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="one path only elsewhere")
def test_both_paths_give_the_same_report_with_hours_and_time_off(practice):
    for person in practice["people"]:
        for weekday in (0, 6):
            factories.WorkingHoursFactory(
                therapist=person,
                location=practice["clinics"][0],
                weekday=weekday,
                start_time=time(0),
                end_time=time(3),
            )
    factories.TimeOffFactory(
        therapist=practice["people"][0],
        starts_at=datetime(2021, 3, 14, 1, tzinfo=ZoneInfo("America/New_York")),
        ends_at=datetime(2021, 3, 15, 1, tzinfo=ZoneInfo("America/New_York")),
    )
    for zone in ("America/New_York", "Asia/Tehran"):
        tz = ZoneInfo(zone)
        for period in PERIODS:
            start, end = _bounds(period, tz)
            for chosen in _filters(practice):
                query = {"start": start, "end": end, "period": period, "tz": tz, **chosen}
                fast = selectors.utilisation(**query, sql=True)
                assert fast == selectors.utilisation(**query, sql=False), (zone, period, chosen)
                assert fast["rows"] and fast["rooms"]


def _attendance_by_definition(rows, key):
    """Due, no-shows, late cancellations and distinct clients per name, in name order."""
    groups = defaultdict(lambda: {"due": 0, "no_shows": 0, "late_cancels": 0, "clients": set()})
    for a in rows.select_related("therapist", "service"):
        if a.status == S.REQUESTED or (a.status == S.CANCELLED and not a.late_cancel):
            continue
        group = groups[key(a)]
        group["due"] += 1
        group["no_shows"] += a.status == S.NO_SHOW
        group["late_cancels"] += a.status == S.CANCELLED and a.late_cancel
        group["clients"].add(a.client_id)
    out = []
    for name in sorted(groups):
        row = groups[name]
        few = len(row["clients"]) < statistics.MIN_CLIENTS
        out.append(
            {
                "name": name,
                "due": row["due"],
                "clients": len(row["clients"]),
                "no_shows": row["no_shows"],
                "late_cancels": row["late_cancels"],
                "no_show": statistics.share(row["no_shows"], row["due"], hidden=few),
                "late_cancel": statistics.share(row["late_cancels"], row["due"], hidden=few),
            }
        )
    return out


@pytest.mark.django_db
@pytest.mark.parametrize("sql", SQL_PATHS)
def test_attendance_counts_each_due_appointment_once_per_name(practice, sql):
    shared = [p for p in practice["people"] if p.display_name == "Alex Kim"]
    assert len(shared) == 2  # one row for both, as grouping by name gave
    tz = ZoneInfo("America/New_York")
    for period in [*PERIODS, periods.Period(date(2021, 1, 1), date(2021, 12, 31))]:
        start, end = _bounds(period, tz)
        for chosen in [*_filters(practice), {"therapist": shared[1]}]:
            rows = _in_period(start, end, chosen.get("location"), chosen.get("therapist"))
            got = selectors.attendance(start=start, end=end, sql=sql, **chosen)
            assert got["by_therapist"] == _attendance_by_definition(
                rows, lambda a: a.therapist.display_name
            ), (period, chosen)
            assert got["by_service"] == _attendance_by_definition(rows, lambda a: a.service.name)
    year = selectors.attendance(
        start=datetime(2021, 1, 1, tzinfo=tz), end=datetime(2022, 1, 1, tzinfo=tz), sql=sql
    )
    assert "Alex Kim" in [row["name"] for row in year["by_therapist"]]
