"""The slot search's reads as fixed SQL on PostgreSQL.

The availability search and the online slot page read the same few things on
every request: the candidates' weekly shifts, then their time off, the
location's rooms and the bookings of a date range. Built through the ORM,
each of those queries cost more CPU to compose and compile than PostgreSQL
took to answer it (the online shifts: 1.4 ms in all, 0.2 ms of it executing
and reading the rows), and the three busy reads were three round trips.
Here the statements are written once, the busy reads are one statement, and
the rows are those of the ORM queries in `practice.selectors` (which stay the
definition, and what other databases run): tests compare both on PostgreSQL.
"""

from django.db import connection

from practice.models import (
    MAX_OCCUPIED,
    Appointment,
    Location,
    Room,
    Therapist,
    TimeOff,
    WorkingHours,
)


def available() -> bool:
    return connection.vendor == "postgresql"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def shift_rows(*, service_id, therapist_ids=None, location_id=None, online_only=False):
    """`selectors.load_shifts`' rows: (therapist, name, slot mode, location,
    zone, weekday, start, end), in the same order."""
    where = ["t.active", "ts.service_id = %s"]
    params: list = [service_id]
    if online_only:
        where.append("t.bookable_online")
    if therapist_ids is not None:
        where.append("wh.therapist_id = ANY(%s)")
        params.append(list(therapist_ids))
    if location_id is not None:
        where.append("wh.location_id = %s")
        params.append(location_id)
    sql = (
        "SELECT wh.therapist_id, t.display_name, t.slot_mode, wh.location_id, l.time_zone,"  # noqa: S608 (table names and constants only)
        " wh.weekday, wh.start_time, wh.end_time"
        f" FROM {_table(WorkingHours)} wh"
        f" JOIN {_table(Therapist)} t ON t.id = wh.therapist_id"
        f" JOIN {_table(Therapist.services.through)} ts ON ts.therapist_id = t.id"
        f" JOIN {_table(Location)} l ON l.id = wh.location_id"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY t.display_name, wh.therapist_id, wh.weekday, wh.start_time"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Row kinds of `busy_rows`, in the order the rows come.
TIME_OFF, ROOM, BOOKING = 0, 1, 2


def busy_rows(*, start, end, off_ids, booking_ids, rooms: bool, location_id=None, exclude_id=None):
    """In one statement, what `selectors.load_busy` reads in up to three:
    (TIME_OFF, therapist, None, starts, ends) for the time off of `off_ids`
    meeting [start, end), by start; (ROOM, room, location, None, None) for the
    active rooms (at `location_id`, if given) by name, with `rooms`; and
    (BOOKING, therapist, room, starts, occupied until) for the active
    appointments whose occupied time meets [start, end), of `booking_ids` or,
    with `rooms`, in any room (at `location_id`), but not `exclude_id`."""
    parts, params = [], []
    if off_ids:
        parts.append(
            f"SELECT {TIME_OFF} AS kind, therapist_id, NULL::bigint, starts_at, ends_at,"  # noqa: S608 (table names and constants only)
            f" NULL AS room_name FROM {_table(TimeOff)}"
            " WHERE therapist_id = ANY(%s) AND starts_at < %s AND ends_at > %s"
        )
        params += [list(off_ids), end, start]
    here, here_params = (
        ("", []) if location_id is None else (" AND location_id = %s", [location_id])
    )
    if rooms:
        parts.append(
            f"SELECT {ROOM}, id, location_id, NULL::timestamptz, NULL::timestamptz, name"  # noqa: S608 (table names and constants only)
            f" FROM {_table(Room)} WHERE active{here}"
        )
        params += here_params
    if booking_ids or rooms:
        wanted = ["therapist_id = ANY(%s)"]
        wanted_params: list = [list(booking_ids)]
        if rooms:
            wanted.append(f"(room_id IS NOT NULL{here})")
            wanted_params += here_params
        excluded, excluded_params = (
            ("", []) if exclude_id is None else (" AND id <> %s", [str(exclude_id)])
        )
        parts.append(
            f"SELECT {BOOKING}, therapist_id, room_id, starts_at, occupied_until, NULL"  # noqa: S608 (table names and constants only)
            f" FROM {_table(Appointment)}"
            " WHERE status = ANY(%s) AND starts_at >= %s AND starts_at < %s"
            f" AND occupied_until > %s AND ({' OR '.join(wanted)}){excluded}"
        )
        params += [
            [str(status) for status in Appointment.ACTIVE_STATUSES],
            start - MAX_OCCUPIED,
            end,
            start,
            *wanted_params,
            *excluded_params,
        ]
    if not parts:
        return []
    # Time off by start and rooms by name, as the ORM's reads give them.
    sql = " UNION ALL ".join(f"({part})" for part in parts) + " ORDER BY 1, 6, 4"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
