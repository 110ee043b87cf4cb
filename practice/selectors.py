from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import partial
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from practice import availability, calendar
from practice.models import (
    MAX_OCCUPIED,
    Appointment,
    DeskView,
    Location,
    Room,
    Therapist,
    TimeOff,
    WorkingHours,
)
from practice.security.access import Role, roles_of
from practice.statements import schedule as schedule_sql


def default_location() -> Location | None:
    return Location.objects.order_by("pk").first()


def local_day_bounds(day, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC-aware bounds of a local calendar day (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


@dataclass(frozen=True, slots=True)
class AppointmentEntry:
    """What a calendar or a day list shows of one appointment, as plain values.

    A busy day holds over a hundred appointments; building each as a model
    instance with its client, therapist, service and room (and rendering
    their links with the url tag) was most of the day view's time.
    """

    pk: UUID
    url: str
    status: str
    status_label: str
    starts_at: datetime
    ends_at: datetime
    therapist_id: int
    room_id: int | None
    late_cancel: bool
    client_name: str
    red_flags: bool
    service_name: str
    therapist_name: str
    room_name: str
    location_name: str
    time_zone: str  # the location's: the clock its times are shown on
    therapist_colour: str = ""
    client_id: UUID | None = None


_ENTRY_FIELDS = (
    "pk",
    "status",
    "starts_at",
    "ends_at",
    "therapist_id",
    "room_id",
    "late_cancel",
    "client__first_name",
    "client__preferred_name",
    "client__last_name",
    "client__has_red_flags",
    "service__name",
    "therapist__display_name",
    "room__name",
    "location__name",
    "location__time_zone",
    "therapist__colour",
    "client_id",
)


def appointment_entries(appointments) -> list[AppointmentEntry]:
    """An (ordered) appointment queryset as entries, in one query."""
    labels = dict(Appointment.Status.choices)
    # One reverse() for the pattern; the ids are UUIDs, which need no quoting.
    placeholder = UUID(int=0)
    url = reverse("practice:appointment_detail", args=[placeholder])
    rows = appointments.values_list(*_ENTRY_FIELDS)
    return [
        AppointmentEntry(
            pk=pk,
            url=url.replace(str(placeholder), str(pk)),
            status=status,
            status_label=labels.get(status, status),
            starts_at=starts_at,
            ends_at=ends_at,
            therapist_id=therapist_id,
            room_id=room_id,
            late_cancel=late_cancel,
            client_name=f"{preferred or first} {last}",
            red_flags=red_flags,
            service_name=service,
            therapist_name=therapist,
            room_name=room or "",
            location_name=location_name,
            time_zone=time_zone,
            therapist_colour=colour,
            client_id=client_id,
        )
        for (
            pk,
            status,
            starts_at,
            ends_at,
            therapist_id,
            room_id,
            late_cancel,
            first,
            preferred,
            last,
            red_flags,
            service,
            therapist,
            room,
            location_name,
            time_zone,
            colour,
            client_id,
        ) in rows
    ]


def desk_view_of(user) -> tuple[int | None, str]:
    """The location id and therapist group `user` last chose (None, "" if never)."""
    row = DeskView.objects.filter(user=user).values_list("location_id", "group").first()
    return row or (None, "")


@dataclass(frozen=True)
class Roster:
    """Who works at a location on a day: in name order, with their hours."""

    therapists: list[tuple[int, str, str]]  # id, display name, colour
    hours: list[tuple[int, time, time]]  # therapist id, local start, local end
    working_now: set | None  # on shift at this moment; None unless the day is today


# The roster's two reads in one statement: built by the ORM they cost Today
# and the day calendar more CPU than PostgreSQL takes to answer them. Hours
# first, in the ORM's order (WorkingHours' ordering: the therapist's name,
# then the start); then who is booked there that day, with no hours.
_ROSTER_SQL = """
SELECT h.therapist_id, t.display_name, t.colour, h.start_time, h.end_time, 0 AS part
  FROM {hours} h
  JOIN {therapist} t ON t.id = h.therapist_id
 WHERE h.location_id = %(location)s AND h.weekday = %(weekday)s AND t.active
UNION ALL
SELECT DISTINCT a.therapist_id, t.display_name, t.colour, NULL::time, NULL::time, 1
  FROM {appointment} a
  JOIN {therapist} t ON t.id = a.therapist_id
 WHERE a.location_id = %(location)s AND a.starts_at >= %(earliest)s
   AND a.starts_at < %(end)s AND a.ends_at > %(start)s AND a.status <> ALL(%(off_grid)s)
 ORDER BY part, 2, 4
"""


def _roster_rows(*, location, day, start, end, sql=None) -> tuple[list, list]:
    """(hours as (id, name, colour, start, end), booked as (id, name, colour))."""
    if sql if sql is not None else connection.vendor == "postgresql":
        tables = {
            "hours": WorkingHours._meta.db_table,
            "therapist": Therapist._meta.db_table,
            "appointment": Appointment._meta.db_table,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                _ROSTER_SQL.format(**tables),
                {
                    "location": location.pk,
                    "weekday": day.weekday(),
                    "earliest": start - MAX_OCCUPIED,
                    "start": start,
                    "end": end,
                    "off_grid": list(NOT_ON_GRID),
                },
            )
            rows = cursor.fetchall()
        hours = [row[:5] for row in rows if row[5] == 0]
        return hours, [row[:3] for row in rows if row[5] == 1]
    hours = list(
        WorkingHours.objects.filter(
            location=location, weekday=day.weekday(), therapist__active=True
        ).values_list(
            "therapist_id",
            "therapist__display_name",
            "therapist__colour",
            "start_time",
            "end_time",
        )
    )
    booked = (
        Appointment.objects.between(start, end)
        .filter(location=location)
        .exclude(status__in=NOT_ON_GRID)
        .order_by()
        .values_list("therapist_id", "therapist__display_name", "therapist__colour")
        .distinct()
    )
    return hours, list(booked)


def day_roster(*, location, day, now=None, sql=None) -> Roster:
    """Therapists with working hours at `location` on `day`, or with an
    appointment there that day (a booking outside their hours still needs a
    column). One query on PostgreSQL (two elsewhere), whatever the number of
    therapists; `sql` chooses the path (tests compare them)."""
    tz = availability.zone(location.time_zone)
    start, end = local_day_bounds(day, tz)
    hours, booked = _roster_rows(location=location, day=day, start=start, end=end, sql=sql)
    people = {tid: (tid, name, colour) for tid, name, colour, _, _ in hours}
    for tid, name, colour in booked:
        people.setdefault(tid, (tid, name, colour))
    working_now = None
    now = now or timezone.now()
    local = now.astimezone(tz)
    if local.date() == day:
        # On shift: between the first start and the last end of their day, so a
        # lunch break between split shifts does not drop them from the view.
        spans = {}
        for tid, _, _, s, e in hours:
            first, last = spans.get(tid, (s, e))
            spans[tid] = (min(first, s), max(last, e))
        wall = local.time()
        working_now = {tid for tid, (s, e) in spans.items() if s <= wall < e}
    return Roster(
        therapists=sorted(people.values(), key=lambda t: (t[1], t[0])),
        hours=[(tid, s, e) for tid, _, _, s, e in hours],
        working_now=working_now,
    )


def appointments_today(
    *, locations, now, therapist=None, therapist_ids=None
) -> list[AppointmentEntry]:
    """Each location's appointments of its own local today, in start order.

    With locations in several zones "today" is not one UTC range: at 20:00 in
    New York it is already tomorrow in London.
    """
    today = Q(pk__in=[])
    for location in locations:
        tz = availability.zone(location.time_zone)
        start, end = local_day_bounds(now.astimezone(tz).date(), tz)
        today |= Q(location=location, starts_at__gte=start, starts_at__lt=end)
    appointments = Appointment.objects.filter(today).order_by(
        "starts_at", "therapist__display_name"
    )
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    if therapist_ids is not None:
        appointments = appointments.filter(therapist_id__in=sorted(therapist_ids))
    return appointment_entries(appointments)


def still_to_check_out(entries, money: dict) -> set:
    """Pks of the entries whose checkout the desk started and did not finish:
    an invoice left in draft, or one not fully paid. `money`: billing's
    `day_list_billing` of the entries ({} for staff who do not bill).

    A visit seen and never invoiced is not among them: a practice that bills
    elsewhere would keep its whole morning in the window."""
    return {
        entry.pk
        for entry in entries
        if (bill := money.get(entry.pk)) is not None
        and bill.invoice_id is not None
        and (bill.invoice_draft or bill.due)
    }


def load_shifts(
    *, service, therapist_ids=None, location_id=None, online_only=False
) -> availability.Schedule:
    """The candidate therapists (active, offering `service`, with working hours)
    and their weekly shifts, as a schedule without busy times. One query.
    `location_id`: only shifts there; `online_only`: only therapists bookable online."""
    read = schedule_sql.shift_rows if schedule_sql.available() else _shift_rows
    names, time_zones, shifts, compact = {}, {}, [], set()
    for tid, name, mode, lid, tz, weekday, start_time, end_time in read(
        service_id=service.pk,
        therapist_ids=therapist_ids,
        location_id=location_id,
        online_only=online_only,
    ):
        names[tid] = name
        time_zones[lid] = tz
        shifts.append(availability.Shift(tid, lid, tz, weekday, start_time, end_time))
        if mode == Therapist.SlotMode.COMPACT:
            compact.add(tid)
    return availability.Schedule(
        therapists=names, shifts=shifts, time_zones=time_zones, compact=compact
    )


def _shift_rows(*, service_id, therapist_ids=None, location_id=None, online_only=False):
    """`load_shifts`' rows through the ORM: the definition `schedule_sql`
    follows on PostgreSQL, and the read on other databases."""
    hours = WorkingHours.objects.filter(therapist__active=True, therapist__services=service_id)
    if online_only:
        hours = hours.filter(therapist__bookable_online=True)
    if therapist_ids is not None:
        hours = hours.filter(therapist_id__in=list(therapist_ids))
    if location_id is not None:
        hours = hours.filter(location_id=location_id)
    return hours.order_by(
        "therapist__display_name", "therapist_id", "weekday", "start_time"
    ).values_list(
        "therapist_id",
        "therapist__display_name",
        "therapist__slot_mode",
        "location_id",
        "location__time_zone",
        "weekday",
        "start_time",
        "end_time",
    )


def load_busy(
    schedule: availability.Schedule,
    *,
    service,
    start: datetime,
    end: datetime,
    therapist_ids,
    time_off_ids=None,
    room_bookings: bool = True,
    exclude_appointment=None,
    location_id=None,
) -> None:
    """Add the busy times of [start, end) to `schedule`: time off of
    `time_off_ids` (default `therapist_ids`), appointments of `therapist_ids`
    and, with `room_bookings` when the service needs a room, every room
    booking (whoever the therapist; at `location_id` only, if given) and the
    active rooms. One query on PostgreSQL, else two to four, whatever the volume."""
    ids = list(therapist_ids)
    read = schedule_sql.busy_rows if schedule_sql.available() else _busy_rows
    with_rooms = room_bookings and service.needs_room
    candidates = set(ids)
    for kind, key, other, s, e, _ in read(
        start=start,
        end=end,
        off_ids=list(ids if time_off_ids is None else time_off_ids),
        booking_ids=ids,
        rooms=with_rooms,
        location_id=location_id,
        exclude_id=None if exclude_appointment is None else exclude_appointment.pk,
    ):
        if kind == schedule_sql.BOOKING:
            if key in candidates:
                schedule.busy.setdefault(key, []).append(availability.Busy(s, e, "appointment"))
            if with_rooms and other is not None:
                schedule.room_busy.setdefault(other, []).append((s, e))
        elif kind == schedule_sql.ROOM:
            schedule.rooms.setdefault(other, []).append(key)
        else:
            schedule.busy.setdefault(key, []).append(availability.Busy(s, e, "time_off"))


def _busy_rows(*, start, end, off_ids, booking_ids, rooms: bool, location_id=None, exclude_id=None):
    """`schedule_sql.busy_rows` through the ORM, in up to three queries: the
    definition it follows on PostgreSQL, and the read on other databases."""
    rows = []
    # Not even built for nobody: the ORM's work on a query is most of its cost here.
    if off_ids:
        rows += [
            (schedule_sql.TIME_OFF, tid, None, s, e, None)
            for tid, s, e in TimeOff.objects.filter(
                therapist_id__in=off_ids, starts_at__lt=end, ends_at__gt=start
            ).values_list("therapist_id", "starts_at", "ends_at")
        ]
    here = {} if location_id is None else {"location_id": location_id}
    if rooms:
        rows += [
            (schedule_sql.ROOM, room_id, room_location_id, None, None, name)
            for room_id, room_location_id, name in Room.objects.filter(active=True, **here)
            .order_by("name")
            .values_list("pk", "location_id", "name")
        ]
    if not booking_ids and not rooms:
        return rows
    # One pass over the range for the candidates' bookings and, when a room is
    # needed, every room booking (whoever the therapist).
    wanted = Q(therapist_id__in=booking_ids)
    if rooms:
        wanted |= Q(room__isnull=False, **here)
    booked = Appointment.objects.active().overlapping(start, end).filter(wanted)
    if exclude_id is not None:
        booked = booked.exclude(pk=exclude_id)
    rows += [
        (schedule_sql.BOOKING, tid, room_id, s, e, None)
        for tid, room_id, s, e in booked.order_by().values_list(
            "therapist_id", "room_id", "starts_at", "occupied_until"
        )
    ]
    return rows


def load_schedule(
    *,
    service,
    start: datetime,
    end: datetime,
    therapist_ids=None,
    bookings: bool = True,
    exclude_appointment=None,
    location_id=None,
) -> availability.Schedule:
    """Working hours, time off, appointments and room bookings of [start, end).

    A fixed handful of set-based queries for the whole range and every
    candidate therapist (active, offering `service`, with working hours),
    whatever the volume. `location_id`: only shifts (and rooms) there.
    """
    schedule = load_shifts(service=service, therapist_ids=therapist_ids, location_id=location_id)
    ids = list(schedule.therapists)
    if not bookings:
        load_busy(
            schedule,
            service=service,
            start=start,
            end=end,
            therapist_ids=[],
            time_off_ids=ids,
            room_bookings=False,
        )
        return schedule
    load_busy(
        schedule,
        service=service,
        start=start,
        end=end,
        therapist_ids=ids,
        exclude_appointment=exclude_appointment,
        location_id=location_id,
    )
    return schedule


def booking_rules(*, service, now=None) -> availability.Rules:
    return availability.Rules(
        duration=service.duration,
        buffer=service.buffer_after,
        needs_room=service.needs_room,
        now=now or timezone.now(),
        horizon=timedelta(days=settings.RELIEF_BOOKING_HORIZON_DAYS),
        min_notice=timedelta(minutes=settings.RELIEF_MIN_NOTICE_MINUTES),
        step=timedelta(minutes=settings.RELIEF_SLOT_STEP_MINUTES),
    )


def _range_around(first_day, last_day) -> tuple[datetime, datetime]:
    # Local days of any time zone lie within a day either side of the UTC day.
    start = datetime.combine(first_day - timedelta(days=1), time.min, tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=2), time.min, tzinfo=UTC)
    return start, end


def available_slots(
    *,
    service,
    first_day,
    days: int = 7,
    therapist=None,
    now=None,
    enough_days=None,
    preferred_therapist_id=None,
    exclude_appointment=None,
    location_id=None,
) -> tuple[list[availability.Slot], dict[int, str]]:
    """Free slots for `service` over `days` local days (one therapist, or any).

    Returns the slots and the candidate therapists' names by id. With
    `enough_days`, the search may stop once that many days have free time (the
    booking picker shows the first few): it looks at the first
    `enough_days + 1` days, and at the rest only if those fall short. Either
    way the answer for the days it returns is the same, in at most two rounds
    of the schedule's queries. For any therapist, each start goes to one
    therapist, spread fairly (`availability.spread_per_start`), the client's
    usual therapist (`preferred_therapist_id`) first. `exclude_appointment`:
    an appointment being moved, whose own time counts as free. `location_id`:
    only therapists' shifts at that location (a desk books for its own).
    """
    day_list = [first_day + timedelta(days=n) for n in range(days)]
    rounds = [day_list]
    if enough_days is not None and enough_days + 1 < days:
        rounds = [day_list[: enough_days + 1], day_list[enough_days + 1 :]]
    ids = [therapist.pk] if therapist is not None else None
    rules = booking_rules(service=service, now=now)
    shifts = load_shifts(service=service, therapist_ids=ids, location_id=location_id)
    names = shifts.therapists
    slots, loads = [], {}
    for round_days in rounds:
        start, end = _range_around(round_days[0], round_days[-1])
        # Each round reads its own range's busy times into a fresh copy.
        schedule = availability.Schedule(
            therapists=names,
            shifts=shifts.shifts,
            time_zones=shifts.time_zones,
            compact=shifts.compact,
        )
        load = partial(
            load_busy,
            schedule,
            service=service,
            start=start,
            end=end,
            exclude_appointment=exclude_appointment,
            location_id=location_id,
        )
        if therapist is None and enough_days is not None:
            found = _search_early(
                schedule, rules, round_days, load, preferred_therapist_id, slots, enough_days
            )
        else:
            load(therapist_ids=list(names))
            found = availability.free_slots(schedule, rules, round_days)
        loads.update(availability.bookings_per_day(schedule))
        slots += found
        if enough_days is not None and len({s.local.date() for s in slots}) >= enough_days:
            break
    # Rounds are whole local days, but with locations in several time zones
    # a later round can still hold an earlier instant.
    order = {tid: n for n, tid in enumerate(names)}
    slots.sort(key=lambda s: (s.starts_at, order[s.therapist_id]))
    if therapist is None:
        slots = availability.spread_per_start(slots, loads, order, preferred_therapist_id)
    return slots, names


# "Any therapist" reads the bookings of this many first; a chain's picker then
# needs only the colleagues who could offer a time nobody of them offers.
FIRST_BATCH = 10


def _search_early(schedule, rules, days, load, preferred, earlier_slots, enough_days):
    """Free slots of `days` for any therapist, reading as few therapists'
    bookings as give the same starts on the days shown as reading everyone's.

    First FIRST_BATCH therapists (the client's usual one, then a rotation that
    moves with the date, so the same names do not always come first); then only
    those whose shifts hold a start the first found taken or not offered
    (`availability.could_add`). Anyone left could offer only starts already
    offered, so the starts and days shown are those of the exhaustive search
    (tested on random schedules). Two or three queries per round.
    """
    ids = list(schedule.therapists)
    if not ids:
        return []
    turn = (days[0].toordinal() * FIRST_BATCH) % len(ids)
    rotated = ids[turn:] + ids[:turn]
    if preferred in schedule.therapists:
        rotated.remove(preferred)
        rotated.insert(0, preferred)
    first = rotated[:FIRST_BATCH]
    # With a room needed, the read returns every room booking anyway, and
    # those are nearly all of everyone's bookings: the rest's come with it for
    # a few more rows, and spare a second query (the search's costliest part
    # is building and reading its queries, not the interval arithmetic).
    everyone = rules.needs_room
    load(therapist_ids=ids if everyone else first, time_off_ids=ids)
    found = availability.free_slots(schedule, rules, days, therapist_ids=first)
    decisive = availability.shown_days(earlier_slots + found, days, enough_days)
    covered = {s.starts_at for s in found if s.local.date() in set(decisive)}
    rest = availability.could_add(schedule, rules, decisive, covered, rotated[FIRST_BATCH:])
    if rest:
        if not everyone:
            load(therapist_ids=rest, time_off_ids=(), room_bookings=False)
        found += availability.free_slots(schedule, rules, days, therapist_ids=rest)
    return found


def schedule_for_booking(
    *, service, therapist, location, starts_at, last_starts_at=None, bookings=False
):
    """The schedule around one booking (or a recurring series) of `therapist`."""
    start, end = _range_around(starts_at.date(), (last_starts_at or starts_at).date())
    schedule = load_schedule(
        service=service, start=start, end=end, therapist_ids=[therapist.pk], bookings=bookings
    )
    # Named even without working hours, so a refusal can say who and when.
    schedule.therapists.setdefault(therapist.pk, therapist.display_name)
    schedule.time_zones.setdefault(location.pk, location.time_zone)
    return schedule


# Calendar -------------------------------------------------------------------

NOT_ON_GRID = (Appointment.Status.CANCELLED,)


def _appointments_between(start, end, **filters) -> list[AppointmentEntry]:
    return appointment_entries(
        Appointment.objects.between(start, end).filter(**filters).order_by("starts_at")
    )


def _place_all(grid, column_of, appointments, day_of, tz):
    for appointment in appointments:
        column = column_of(appointment)
        span = calendar.local_span(appointment.starts_at, appointment.ends_at, day_of(column), tz)
        if column is not None and span is not None:
            calendar.add_block(grid, column, "entries", *span, item=appointment)


def calendar_day(*, day, location, by_room=False, roster=None, therapist_ids=None):
    """Day grid at `location`: one column per working therapist (or per room).

    `therapist_ids`: only these therapists' columns and appointments (a group
    of a large location); `roster`: the day's `day_roster`, when the caller
    already has it. Returns (grid, cancelled appointments of the day). A
    constant four or five queries.
    """
    tz = ZoneInfo(location.time_zone)
    start, end = local_day_bounds(day, tz)
    only = {} if therapist_ids is None else {"therapist_id__in": sorted(therapist_ids)}
    appointments = _appointments_between(start, end, location=location, **only)
    on_grid = [a for a in appointments if a.status not in NOT_ON_GRID]
    cancelled = [a for a in appointments if a.status in NOT_ON_GRID]
    spans = [
        span
        for a in on_grid
        if (span := calendar.local_span(a.starts_at, a.ends_at, day, tz)) is not None
    ]
    if by_room:
        rooms = list(
            Room.objects.filter(
                Q(location=location, active=True) | Q(pk__in={a.room_id for a in on_grid})
            ).order_by("name")
        )
        columns = [calendar.Column(key=room.pk, label=room.name, day=day) for room in rooms]
        if any(a.room_id is None for a in on_grid):
            columns.append(calendar.Column(key=None, label="No room", day=day))
        by_key = {c.key: c for c in columns}
        grid = calendar.build_grid(columns, spans)
        _place_all(grid, lambda a: by_key.get(a.room_id), on_grid, lambda c: day, tz)
        return grid, cancelled
    if roster is None:
        roster = day_roster(location=location, day=day)
    shown = [t for t in roster.therapists if therapist_ids is None or t[0] in therapist_ids]
    ids = {t[0] for t in shown}
    hours = [h for h in roster.hours if h[0] in ids]
    columns = [
        calendar.Column(key=tid, label=name, colour=colour, day=day) for tid, name, colour in shown
    ]
    by_key = {c.key: c for c in columns}
    grid = calendar.build_grid(columns, spans + [(s, e) for _, s, e in hours])
    for tid, s, e in hours:
        calendar.add_block(grid, by_key[tid], "work", s, e)
    time_off = _add_time_off(grid, ids, start, end, tz, lambda tid: [(by_key[tid], day)])
    _place_all(grid, lambda a: by_key.get(a.therapist_id), on_grid, lambda c: day, tz)
    _mark_during_time_off(grid, time_off)
    return grid, cancelled


def _add_time_off(grid, ids, start, end, tz, targets):
    """Hatch time off into the (column, day) pairs `targets(therapist id)` names.

    Returns the time off by therapist, so appointments inside it can be marked."""
    found = defaultdict(list)
    for time_off in TimeOff.objects.filter(
        therapist_id__in=ids, starts_at__lt=end, ends_at__gt=start
    ):
        found[time_off.therapist_id].append((time_off.starts_at, time_off.ends_at))
        for column, day in targets(time_off.therapist_id):
            span = calendar.local_span(time_off.starts_at, time_off.ends_at, day, tz)
            if span is not None:
                calendar.add_block(grid, column, "off", *span, label=time_off.reason or "Time off")
    return found


def _mark_during_time_off(grid, time_off):
    """Label the entries that lie in their therapist's time off: saved before
    the time off was, they were drawn over the hatching without a word."""
    for column in grid.columns:
        for block in column.entries:
            a = block.item
            if any(s < a.ends_at and a.starts_at < e for s, e in time_off.get(a.therapist_id, ())):
                block.label = "During time off"


def calendar_week(*, first_day, therapist, location):
    """Seven day columns for one therapist at `location`. A constant three queries."""
    tz = ZoneInfo(location.time_zone)
    days = [first_day + timedelta(days=n) for n in range(7)]
    start, _ = local_day_bounds(days[0], tz)
    _, end = local_day_bounds(days[-1], tz)
    appointments = _appointments_between(start, end, location=location, therapist=therapist)
    on_grid = [a for a in appointments if a.status not in NOT_ON_GRID]
    cancelled = [a for a in appointments if a.status in NOT_ON_GRID]
    hours = list(
        WorkingHours.objects.filter(location=location, therapist=therapist).values_list(
            "weekday", "start_time", "end_time"
        )
    )
    columns = [calendar.Column(key=day, label=f"{day:%a %d %b}", day=day) for day in days]
    by_day = {c.key: c for c in columns}
    spans = [(s, e) for _, s, e in hours]
    for a in on_grid:
        local = a.starts_at.astimezone(tz).date()
        span = calendar.local_span(a.starts_at, a.ends_at, local, tz)
        if span is not None:
            spans.append(span)
    grid = calendar.build_grid(columns, spans)
    for column in columns:
        for weekday, s, e in hours:
            if weekday == column.day.weekday():
                calendar.add_block(grid, column, "work", s, e)
    time_off = _add_time_off(
        grid, [therapist.pk], start, end, tz, lambda _: [(c, c.day) for c in columns]
    )
    _place_all(
        grid, lambda a: by_day.get(a.starts_at.astimezone(tz).date()), on_grid, lambda c: c.day, tz
    )
    _mark_during_time_off(grid, time_off)
    return grid, cancelled


# Who may do what with appointments ------------------------------------------


def can_book(user) -> bool:
    """Owner and front desk book for anyone; therapists only if the practice allows."""
    roles = roles_of(user)
    if roles & {Role.OWNER, Role.FRONT_DESK}:
        return True
    return Role.THERAPIST in roles and settings.RELIEF_THERAPISTS_MANAGE_ALL


def own_therapist(user):
    """The user's Therapist profile if they hold the therapist role, else None."""
    if Role.THERAPIST not in roles_of(user):
        return None
    return getattr(user, "therapist", None)


def can_manage_appointment(user, appointment) -> bool:
    """Move, cancel, check in, complete, mark no-show: bookers, and the own therapist."""
    if can_book(user):
        return True
    therapist = own_therapist(user)
    return therapist is not None and therapist.pk == appointment.therapist_id


MOVABLE = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)


def movable_on_grid(user, grid) -> set:
    """Ids of the grid's appointments `user` may drag to another time: those
    the reschedule service would take (booked or confirmed) that the user may
    manage (bookers any, a therapist their own). The server refuses the rest too."""
    if grid is None:
        return set()
    everyone = can_book(user)
    own = None if everyone else own_therapist(user)
    if not everyone and own is None:
        return set()
    return {
        block.item.pk
        for column in grid.columns
        for block in column.entries
        if block.item.status in MOVABLE and (everyone or block.item.therapist_id == own.pk)
    }


@dataclass(frozen=True, slots=True)
class CoveredBooking:
    """A booking inside a time off being saved, as the owner is asked about it."""

    url: str
    client_label: str  # first name and last initial: enough to recognise, no more
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    # The appointment's id: a confirmation names the bookings it was shown.
    id: str = ""


# Bookings a time off would leave without their therapist; completed and
# cancelled ones have nothing left to move.
STILL_TO_COME = (
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.CHECKED_IN,
)


def bookings_covered(*, therapist_id, starts_at, ends_at) -> list[CoveredBooking]:
    """The therapist's bookings meeting [starts_at, ends_at), in start order. One query."""
    rows = (
        Appointment.objects.between(starts_at, ends_at)
        .filter(therapist_id=therapist_id, status__in=STILL_TO_COME)
        .order_by("starts_at")
        .values_list(
            "pk",
            "starts_at",
            "ends_at",
            "client__first_name",
            "client__preferred_name",
            "client__last_name",
            "location__time_zone",
        )
    )
    return [
        CoveredBooking(
            id=str(pk),
            url=reverse("practice:appointment_detail", args=[pk]),
            client_label=f"{preferred or first} {last[:1]}.".strip(),
            starts_at=start,
            ends_at=end,
            time_zone=tz,
        )
        for pk, start, end, first, preferred, last, tz in rows
    ]


def get_appointment_for_staff(appointment_id) -> Appointment:
    """Any staff member may open any appointment of the calendar (read)."""
    try:
        return Appointment.objects.select_related(
            "client", "therapist", "service", "room", "location", "booked_by", "cancelled_by"
        ).get(pk=appointment_id)
    except (Appointment.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def usual_therapist_id(client_id) -> int | None:
    """The therapist a client has seen or booked most often, if any."""
    row = (
        Appointment.objects.filter(client_id=client_id)
        .exclude(status__in=[Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
        .values("therapist_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "therapist_id")
        .first()
    )
    return row["therapist_id"] if row else None


def therapists_free_at(*, service, location, starts_at, now=None) -> list[int]:
    """Ids of therapists with a free slot for `service` starting exactly at `starts_at`."""
    tz = ZoneInfo(location.time_zone)
    day = starts_at.astimezone(tz).date()
    start, end = _range_around(day, day)
    schedule = load_schedule(service=service, start=start, end=end)
    rules = booking_rules(service=service, now=now)
    return [
        slot.therapist_id
        for slot in availability.free_slots(schedule, rules, [day])
        if slot.starts_at == starts_at and slot.location_id == location.pk
    ]
