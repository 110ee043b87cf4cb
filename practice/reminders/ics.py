"""iCalendar files: the client's appointment attachment and a therapist's feed.

One stable UID per appointment, so a calendar app updates (or, with
METHOD:CANCEL, removes) the event it already holds; SEQUENCE orders the
versions. Times are written in the location's time zone with its VTIMEZONE,
except those in the hour the clocks go back, which are written in UTC.
No clinical content: the client sees the therapist and the address, the
therapist sees the client's first name and last initial (and the service only
where the owner opts in with RELIEF_FEED_SHOWS_SERVICE).
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, Timezone

from practice.availability import is_repeated
from practice.models import Appointment

PRODID = "-//Relief//Practice management//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.pk}@relief"


@lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> bytes:
    # Only the transitions around the events: the full 1970-2038 history costs
    # ~10 ms per message to build and to write. Kept serialized: writing the
    # block's ~25 lines was most of the cost of a reminder's attachment.
    return Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 12, 31)
    ).to_ical()


def _time_zones(appointments) -> list[bytes]:
    years: dict[str, list[int]] = {}
    for appointment in appointments:
        years.setdefault(appointment.location.time_zone, []).append(appointment.starts_at.year)
    return [_vtimezone(tzid, min(years[tzid]) - 1, max(years[tzid])) for tzid in sorted(years)]


END = b"END:VCALENDAR\r\n"


def _calendar_head(method: str, name: str | None = None) -> bytes:
    """BEGIN:VCALENDAR and the calendar's properties, without the END line."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    if name is not None:
        cal.add("x-wr-calname", name)
    return cal.to_ical().removesuffix(END)


_request_or_cancel_head = lru_cache(maxsize=2)(_calendar_head)


def _to_ical(head: bytes, appointments, events: Iterable[Event]) -> bytes:
    """The calendar's properties, then its VTIMEZONEs, then the events.

    The same bytes as adding the components to an icalendar Calendar and
    calling to_ical(), with the constant parts written once per process.
    """
    return b"".join([head, *_time_zones(appointments), *(e.to_ical() for e in events), END])


def _ical_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` as local time with the zone's TZID, or in UTC if the clock shows
    that local time twice. A TZID time names no occurrence: RFC 5545 takes the
    first, some readers the other, so an event starting in the second 01:30
    would move an hour and an hour-long one from the first 01:30 would end
    when it starts. UTC is one instant for every reader."""
    local = moment.astimezone(tz)
    return moment.astimezone(UTC) if is_repeated(local) else local


def _event(appointment: Appointment, *, summary: str, cancelled: bool, stamp: datetime) -> Event:
    tz = ZoneInfo(appointment.location.time_zone)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", _ical_time(appointment.starts_at, tz))
    event.add("dtend", _ical_time(appointment.ends_at, tz))
    event.add("summary", summary)
    location = ", ".join(p for p in (appointment.location.name, appointment.location.address) if p)
    event.add("location", location.replace("\n", ", "))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def appointment_ics(appointment: Appointment, *, cancel: bool = False, now=None) -> bytes:
    """The client's copy of one appointment (METHOD:CANCEL for a cancellation)."""
    summary = f"{settings.RELIEF_PRACTICE_NAME}: appointment with {appointment.therapist}"
    event = _event(appointment, summary=summary, cancelled=cancel, stamp=now or timezone.now())
    head = _request_or_cancel_head("CANCEL" if cancel else "REQUEST")
    return _to_ical(head, [appointment], [event])


def client_short_name(client) -> str:
    """First name and last initial: all a calendar feed may show of a client."""
    initial = f" {client.last_name[:1]}." if client.last_name else ""
    return f"{client.first_name_to_use}{initial}"


def feed_title(appointment: Appointment) -> str:
    """ "Tom B.", or "Tom B. – 30 min trigger point therapy" where the owner opted in
    (RELIEF_FEED_SHOWS_SERVICE): a feed is stored by a third-party calendar, and
    a service can name a condition."""
    name = client_short_name(appointment.client)
    return f"{name} – {appointment.service.name}" if settings.RELIEF_FEED_SHOWS_SERVICE else name


def therapist_feed_ics(appointments: Iterable[Appointment], *, name: str, now=None) -> bytes:
    """A subscription feed of a therapist's appointments."""
    stamp = now or timezone.now()
    appointments = list(appointments)
    events = (
        _event(
            appointment,
            summary=feed_title(appointment),
            cancelled=appointment.status == Appointment.Status.CANCELLED,
            stamp=stamp,
        )
        for appointment in appointments
    )
    return _to_ical(_calendar_head("PUBLISH", name), appointments, events)
