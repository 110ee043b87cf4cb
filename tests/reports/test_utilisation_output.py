"""Utilisation's page and downloads, byte for byte, on a practice with some of everything.

The expected files were written by the report before its Python was cut down
(per-row timedeltas and Decimals, a GridCell and a chart lookup per week) and
checked by hand against the rules in test_utilisation: any change to what the
report says shows here as a diff, whatever path computed it.
"""

import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from practice.models import Appointment
from tests import factories

URL = reverse("reports:utilisation")
EXPECTED = Path(__file__).parent / "data" / "utilisation"
NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
# From a Friday to a Friday: cut weeks at both ends, and both clocks spring
# forward on 8 March inside it.
PERIOD = {"period": "custom", "first": "2026-02-20", "last": "2026-03-20"}
STATUSES = (
    Appointment.Status.COMPLETED,
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.CANCELLED,  # holds nothing
    Appointment.Status.REQUESTED,  # nor does a request
)


def _therapist(first, last, *, active=True):
    user = factories.UserFactory(username=first.lower(), first_name=first, last_name=last)
    return factories.TherapistFactory(user=user, display_name=f"{first} {last}", active=active)


def _hours(therapist, location, weekdays, *spans):
    for weekday in weekdays:
        for start, end in spans:
            factories.WorkingHoursFactory(
                therapist=therapist,
                location=location,
                weekday=weekday,
                start_time=time(*start),
                end_time=time(*end),
            )


@pytest.fixture
def practice(therapist, other_therapist, location, service):
    """Two clinics three hours apart, five therapists, rooms at both, time off of every shape."""
    bayside = factories.LocationFactory(name="Relief Bayside", time_zone="America/Los_Angeles")
    ana = _therapist("Ana", "Lima")
    lee = _therapist("Lee", "Park", active=False)  # left, but booked in the period
    kim = _therapist("Kim", "Ito")  # bookings, no weekly hours: a dash
    _hours(therapist, location, (0, 1), ((9, 0), (17, 0)))
    _hours(therapist, bayside, (3,), ((10, 0), (14, 30)))
    _hours(other_therapist, location, (0,), ((9, 0), (13, 0)))
    _hours(other_therapist, location, (2, 4), ((12, 15), (20, 0)))
    _hours(ana, bayside, range(5), ((8, 0), (12, 0)), ((13, 0), (17, 0)))
    _hours(lee, location, (5,), ((10, 0), (16, 0)))
    rooms = {
        "a": factories.RoomFactory(location=location, name="Room A"),
        "b": factories.RoomFactory(location=location, name="Room B"),
        "one": factories.RoomFactory(location=bayside, name="Room 1"),
        "old": factories.RoomFactory(location=bayside, name="Old store", active=False),
    }
    factories.RoomFactory(location=location, name="Closet", active=False)  # never booked
    off = (
        (therapist, datetime(2026, 2, 24, 9, tzinfo=NY), datetime(2026, 2, 24, 11, 30, tzinfo=NY)),
        # Over the spring change and a week's end.
        (ana, datetime(2026, 3, 5, 12, tzinfo=LA), datetime(2026, 3, 10, 9, tzinfo=LA)),
        # Overlapping: the shared hour is off once.
        (other_therapist, datetime(2026, 3, 2, 9, tzinfo=NY), datetime(2026, 3, 2, 11, tzinfo=NY)),
        (other_therapist, datetime(2026, 3, 2, 10, tzinfo=NY), datetime(2026, 3, 2, 12, tzinfo=NY)),
        # Before the period, reaching into it.
        (lee, datetime(2026, 2, 10, tzinfo=NY), datetime(2026, 2, 22, 12, tzinfo=NY)),
    )
    for who, starts_at, ends_at in off:
        factories.TimeOffFactory(therapist=who, starts_at=starts_at, ends_at=ends_at)
    plans = (
        (therapist, location, NY, (0, 1), ("a", None, "b")),
        (therapist, bayside, LA, (3,), ("one", None)),
        (other_therapist, location, NY, (0, 2, 4), ("b", "a", None)),
        (ana, bayside, LA, (0, 1, 2, 3, 4), ("old", "one", None, "one")),
        (lee, location, NY, (5,), ("a",)),
        (kim, location, NY, (6,), (None, "b")),
    )
    clients = [factories.ClientFactory() for _ in range(3)]
    first = datetime(2026, 2, 16)
    n = 0
    for who, where, tz, weekdays, room_keys in plans:
        for day in range(36):
            when = first + timedelta(days=day)
            if when.weekday() not in weekdays:
                continue
            for slot, key in enumerate(room_keys):
                n += 1
                starts_at = datetime.combine(when.date(), time(8 + 3 * slot, 15 * (n % 4)), tz)
                factories.AppointmentFactory(
                    therapist=who,
                    client=clients[n % 3],
                    service=service,
                    location=where,
                    room=rooms[key] if key else None,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=(30, 45, 60, 90)[n % 4]),
                    status=STATUSES[n % len(STATUSES)],
                )
    return bayside


def _report(response, location=None):
    """The page's chart data and both grids, as sent (the filters and navigation left out)."""
    text = response.content.decode()
    report = text[text.index('<div class="chart-box') : text.rindex("</section>") + 10]
    if location is not None:
        report = report.replace(f"location={location.pk}&", "location=LOCATION&")
    return report.encode()


def _renders(http, params, location=None):
    yield "page.html", _report(http.get(URL, params), location)
    for slug in ("utilisation", "utilisation-room"):
        download = http.get(URL, {**params, "format": "csv", "table": slug})
        yield f"{slug}.csv", download.content


@pytest.mark.django_db
@pytest.mark.parametrize("at", ["all", "bayside"])
def test_the_page_and_its_downloads_say_exactly_what_they_said(client_as, practice, at):
    location = practice if at == "bayside" else None
    params = {**PERIOD, "location": location.pk} if location else PERIOD
    for name, sent in _renders(client_as("owner"), params, location):
        # Bytes: the CSV's lines end in CRLF, as the csv module writes them.
        assert sent == (EXPECTED / f"{at}-{name}").read_bytes(), name


def test_the_expected_files_hold_what_the_report_is_about():
    # The files themselves: each kind of row is there to be compared.
    page = (EXPECTED / "all-page.html").read_text(encoding="utf-8")
    for shown in ("Lee Park", "Kim Ito", "Old store · Relief Bayside", "Room A · Relief Downtown"):
        assert shown in page
    assert "Closet" not in page
    assert '<span class="d-block">–</span>' in page  # Kim: bookings, no hours
    rows = (EXPECTED / "all-utilisation.csv").read_bytes().decode().splitlines()
    assert rows[1].startswith("Ana Lima,2026-02-16,")
    assert len(rows) > 20
    assert re.search(r"^Ana Lima,2026-03-09,[\d.]+,[\d.]+,", "\n".join(rows), re.M)
