"""iCalendar files: the client's appointment attachment and a therapist's feed.

One stable UID per appointment, so a calendar app updates (or, with
METHOD:CANCEL, removes) the event it already holds; SEQUENCE orders the
versions. Times are written in the location's time zone with its VTIMEZONE.
No clinical content: the client sees the therapist and the address, the
therapist sees the client's first name and last initial.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from .models import Appointment

PRODID = "-//Relief//Practice management//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.pk}@relief"


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    # Only the transitions around the events: the full 1970-2038 history costs
    # ~10 ms per message to build and to write. Cached per process; never mutated.
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 12, 31)
    )


def _add_time_zones(cal: Calendar, appointments) -> None:
    years: dict[str, list[int]] = {}
    for appointment in appointments:
        years.setdefault(appointment.location.time_zone, []).append(appointment.starts_at.year)
    for tzid in sorted(years):
        cal.add_component(_vtimezone(tzid, min(years[tzid]) - 1, max(years[tzid])))


def _calendar(method: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def _event(appointment: Appointment, *, summary: str, cancelled: bool, stamp: datetime) -> Event:
    tz = ZoneInfo(appointment.location.time_zone)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", appointment.starts_at.astimezone(tz))
    event.add("dtend", appointment.ends_at.astimezone(tz))
    event.add("summary", summary)
    location = ", ".join(p for p in (appointment.location.name, appointment.location.address) if p)
    event.add("location", location.replace("\n", ", "))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def appointment_ics(appointment: Appointment, *, cancel: bool = False, now=None) -> bytes:
    """The client's copy of one appointment (METHOD:CANCEL for a cancellation)."""
    cal = _calendar("CANCEL" if cancel else "REQUEST")
    summary = f"{settings.RELIEF_PRACTICE_NAME}: appointment with {appointment.therapist}"
    _add_time_zones(cal, [appointment])
    cal.add_component(
        _event(appointment, summary=summary, cancelled=cancel, stamp=now or timezone.now())
    )
    return cal.to_ical()


def client_short_name(client) -> str:
    """First name and last initial: all a calendar feed may show of a client."""
    initial = f" {client.last_name[:1]}." if client.last_name else ""
    return f"{client.first_name_to_use}{initial}"


def therapist_feed_ics(appointments: Iterable[Appointment], *, name: str, now=None) -> bytes:
    """A subscription feed of a therapist's appointments."""
    stamp = now or timezone.now()
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", name)
    appointments = list(appointments)
    _add_time_zones(cal, appointments)
    for appointment in appointments:
        summary = f"{client_short_name(appointment.client)} – {appointment.service.name}"
        cal.add_component(
            _event(
                appointment,
                summary=summary,
                cancelled=appointment.status == Appointment.Status.CANCELLED,
                stamp=stamp,
            )
        )
    return cal.to_ical()
