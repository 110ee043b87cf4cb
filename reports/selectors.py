"""Reads behind the reports: aggregated in SQL, a fixed number of queries each.

Every function takes the same keyword arguments (start and end instants, and
an optional location and therapist) and returns plain rows the views render
and write as CSV. Statistics over the aggregated rows run in Python
(reports.statistics); nothing here loops over queries.
"""

import functools
from collections import defaultdict
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncWeek
from django.utils import timezone

from billing.models import Payment, Refund
from clients.models import Score
from clients.scoring import (
    MEANINGFUL_PERCENT,
    MEANINGFUL_POINTS,
    PERCENT_RULE_MIN_BASELINE,
    meaningful_change,
)
from practice.models import Appointment, Room, Service, Therapist, TimeOff, WorkingHours
from sessions.models import NoteOutcome, NoteOutcomeTechnique, Technique, TreatmentPlan

from . import periods, statistics

ZERO = Decimal("0.00")
NO_PLAN = "No treatment plan"
NO_SESSION = "No session (packages, gift cards, sales)"


# Revenue ---------------------------------------------------------------------


def _money_rows(queryset, prefix, amount):
    """Sums grouped by therapist, service and method in one query."""
    return list(
        queryset.values(
            therapist_name=F(f"{prefix}invoice__appointment__therapist__display_name"),
            service_name=F(f"{prefix}invoice__appointment__service__name"),
            method_code=F(f"{prefix}method"),
        )
        .order_by()
        .annotate(total=Sum(amount), count=Count("pk"))
    )


def revenue(*, start, end, location=None, therapist=None) -> dict:
    """Payments received less refunds given in [start, end), three ways.

    A payment counts for the therapist and service of the session its invoice
    is for; a refund counts when it is given, against its payment's method.
    """
    payments = Payment.objects.filter(received_at__gte=start, received_at__lt=end)
    refunds = Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
    if location is not None:
        payments = payments.filter(invoice__appointment__location=location)
        refunds = refunds.filter(payment__invoice__appointment__location=location)
    if therapist is not None:
        payments = payments.filter(invoice__appointment__therapist=therapist)
        refunds = refunds.filter(payment__invoice__appointment__therapist=therapist)
    paid = _money_rows(payments, "", "amount")
    refunded = _money_rows(refunds, "payment__", "amount")
    method_labels = dict(Payment.Method.choices)

    def rollup(key, label):
        rows = defaultdict(lambda: {"received": ZERO, "refunded": ZERO, "payments": 0})
        for row in paid:
            entry = rows[label(row[key])]
            entry["received"] += row["total"]
            entry["payments"] += row["count"]
        for row in refunded:
            rows[label(row[key])]["refunded"] += row["total"]
        out = [
            {"name": name, **entry, "net": entry["received"] - entry["refunded"]}
            for name, entry in rows.items()
        ]
        return sorted(out, key=lambda r: (-r["net"], r["name"]))

    by_therapist = rollup("therapist_name", lambda v: v or NO_SESSION)
    received = sum((r["received"] for r in by_therapist), ZERO)
    refunded_total = sum((r["refunded"] for r in by_therapist), ZERO)
    return {
        "by_therapist": by_therapist,
        "by_service": rollup("service_name", lambda v: v or NO_SESSION),
        "by_method": rollup("method_code", lambda v: method_labels.get(v, v)),
        "received": received,
        "refunded": refunded_total,
        "net": received - refunded_total,
    }


# Utilisation -----------------------------------------------------------------

# Held by a booking the practice accepted. A requested online booking holds
# the slot too, but until staff approve it, it is not booked time: it would
# count a request that may be declined as worked.
BOOKED_STATUSES = (
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
    Appointment.Status.CHECKED_IN,
    Appointment.Status.COMPLETED,
)
SESSION_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def utilisation(*, start, end, period, tz, location=None, therapist=None, sql=None) -> dict:
    """Booked session time over working time (weekly hours less time off), per therapist per week.

    Booked: appointments booked, confirmed, checked in or completed starting
    in the week, at their full length (not requests awaiting approval).
    `sql` chooses how the bookings are summed (default: PostgreSQL's own
    statement there, the ORM's elsewhere; see `_booked_by_week_and_room`).
    """
    hours = WorkingHours.objects.order_by().values_list(
        "therapist_id", "weekday", "start_time", "end_time", "location__time_zone"
    )
    appointments = Appointment.objects.filter(
        status__in=BOOKED_STATUSES, starts_at__gte=start, starts_at__lt=end
    )
    if location is not None:
        hours = hours.filter(location=location)
        appointments = appointments.filter(location=location)
    if therapist is not None:
        hours = hours.filter(therapist=therapist)
        appointments = appointments.filter(therapist=therapist)
    time_off = TimeOff.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by()
    if therapist is not None:
        time_off = time_off.filter(therapist=therapist)

    weeks = periods.weeks(period)
    booked, booked_in_rooms = _booked_by_week_and_room(appointments, tz, weeks, sql=sql)
    # Those with bookings in the period are known from the sums: a list of
    # ids, not an IN over the period's appointments (each such subquery read
    # them once more: four reads of the period where one grouped read gives all).
    therapists = Therapist.objects.filter(Q(active=True) | Q(pk__in={key for key, _ in booked}))
    if therapist is not None:
        therapists = therapists.filter(pk=therapist.pk)

    hours_of = defaultdict(list)
    for therapist_id, weekday, start_time, end_time, zone in hours:
        hours_of[therapist_id].append((weekday, start_time, end_time, _zone(zone)))
    off_of = defaultdict(list)
    for row in time_off.values_list("therapist_id", "starts_at", "ends_at"):
        off_of[row[0]].append((row[1], row[2]))

    rows = []
    for pk, name in (
        therapists.distinct().order_by("display_name").values_list("pk", "display_name")
    ):
        working = periods.working_microseconds_by_week(period, hours_of[pk], off_of[pk])
        for monday, (held, worked, percent) in _weekly(weeks, working, booked, pk):
            rows.append(
                {
                    "therapist": name,
                    "week": monday,
                    "booked_hours": held,
                    "working_hours": worked,
                    "percent": percent,
                }
            )
    rooms = _room_utilisation(period=period, booked=booked_in_rooms, location=location, weeks=weeks)
    return {"rows": rows, "weeks": weeks, "rooms": rooms}


def _room_utilisation(*, period, booked, location, weeks) -> list:
    """Booked hours in each room over its location's opening hours, per week.

    A room has no hours of its own: it is open while anyone works at its
    location (the union of everyone's weekly hours there), and time off does
    not close it. With a therapist filter, only that therapist's bookings count
    (`booked`: microseconds per (room, Monday), from `_booked_by_week_and_room`).
    """
    rooms = Room.objects.filter(Q(active=True) | Q(pk__in={key for key, _ in booked}))
    if location is not None:
        rooms = rooms.filter(location=location)
    hours_at = defaultdict(list)
    for location_id, weekday, start_time, end_time, zone in WorkingHours.objects.filter(
        therapist__active=True
    ).values_list("location_id", "weekday", "start_time", "end_time", "location__time_zone"):
        hours_at[location_id].append((weekday, start_time, end_time, _zone(zone)))
    open_by_location = {
        location_id: periods.working_microseconds_by_week(period, periods.merged_weekly(hours), [])
        for location_id, hours in hours_at.items()
    }
    closed = [0] * len(weeks)
    rows = []
    for pk, name, location_id, location_name in (
        rooms.distinct()
        .order_by("location__name", "name")
        .values_list("pk", "name", "location_id", "location__name")
    ):
        opened = open_by_location.get(location_id, closed)
        for monday, (held, available, percent) in _weekly(weeks, opened, booked, pk):
            rows.append(
                {
                    "room": name,
                    "location": location_name,
                    "week": monday,
                    "booked_hours": held,
                    "open_hours": available,
                    "percent": percent,
                }
            )
    return rows


# Session time per (therapist, week) and per (room, week), summed by PostgreSQL
# into integers. The week is the bucket of the start among the Mondays' local
# midnights (instants worked out in Python, clock changes included), not
# date_trunc of each start on the local clock: converting 100,000 starts a year
# to local time was most of the statement at the chain's scale. A bucket number
# and a bigint per row also spare the driver parsing a timestamp with time zone
# and an interval for each row (and Django converting them again). Both tables'
# sums come from one read through two grouping sets: summing the (therapist,
# room, week) rows into the two in Python was most of the selector's own time
# (5,000 rows a year at 25 therapists, 20,000 at the chain). The sets fold the
# hashed (therapist, room, week) sums, not the period's rows: over the rows
# the planner sorted a year's 80,000 appointments at the chain (on disk),
# twice the time of hashing them.
BOOKED_SQL = """
SELECT GROUPING(w.therapist_id), COALESCE(w.therapist_id, w.room_id), w.week,
    CAST(EXTRACT(EPOCH FROM SUM(w.booked)) * 1000000 AS BIGINT)
FROM (
    SELECT b.therapist_id, b.room_id, width_bucket(b.starts_at, %s::timestamptz[]) AS week,
        SUM(b.ends_at - b.starts_at) AS booked
    FROM ({appointments}) AS b
    GROUP BY 1, 2, 3
) AS w
GROUP BY GROUPING SETS ((w.therapist_id, w.week), (w.room_id, w.week))
"""


def _booked_by_week_and_room(appointments, tz, weeks, *, sql=None) -> tuple[dict, dict]:
    """Session time in microseconds per (therapist, Monday) and per (room, Monday)
    of the local week it starts in.

    Grouped by week, not by day: a year of 25 therapists is 1,300 rows, not
    9,000, and fetching and converting the daily rows was a third of the page.
    `sql`: PostgreSQL's BOOKED_SQL (the default there), or the ORM's
    `TruncWeek` on the local clock summed by therapist, room and week (SQLite's
    path, and the reference).
    """
    use_sql = sql if sql is not None else connection.vendor == "postgresql"
    if use_sql:
        return _booked_sql(appointments, tz, weeks)
    by_therapist, by_room = defaultdict(int), defaultdict(int)
    for therapist_id, room_id, monday, booked in _booked_rows(appointments, tz):
        by_therapist[therapist_id, monday] += booked
        if room_id is not None:
            by_room[room_id, monday] += booked
    return dict(by_therapist), dict(by_room)


def _booked_rows(appointments, tz):
    for therapist_id, room_id, week, booked in (
        appointments.annotate(week=TruncWeek("starts_at", tzinfo=tz))
        .values("therapist_id", "room_id", "week")
        .order_by()
        .annotate(booked=Sum(SESSION_LENGTH))
        .values_list("therapist_id", "room_id", "week", "booked")
    ):
        yield therapist_id, room_id, week.date(), _micro(booked)


def _booked_sql(appointments, tz, weeks) -> tuple[dict, dict]:
    first = weeks[0]
    # One Monday more than the weeks: its midnight closes the last week.
    mondays = [first + timedelta(weeks=i) for i in range(len(weeks) + 1)]
    # Midnight as the local clock first shows it (fold 0): in a gap, the
    # instant the clock jumps; in a repeated hour, its first pass.
    bounds = [datetime.combine(monday, time.min, tzinfo=tz).astimezone(UTC) for monday in mondays]
    # Bucket n: from the n-th midnight on (the period starts at the first).
    monday_of = [None, *mondays]
    inner, params = (
        appointments.order_by()
        .values("therapist_id", "room_id", "starts_at", "ends_at")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(BOOKED_SQL.format(appointments=inner), (bounds, *params))
        rows = cursor.fetchall()
    by_therapist = {
        (key, monday_of[bucket]): booked for by_room, key, bucket, booked in rows if not by_room
    }
    # Sessions without a room form the room set's NULL group: no room's time.
    by_room = {
        (key, monday_of[bucket]): booked
        for by_room, key, bucket, booked in rows
        if by_room and key is not None
    }
    return by_therapist, by_room


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_MICROSECOND = timedelta(microseconds=1)


def _micro(duration: timedelta | None) -> int:
    return 0 if duration is None else duration // _MICROSECOND


def _weekly(weeks, available, booked, key):
    """(Monday, figures) of each week with hours or bookings; figures as in `_figures`.

    `available`: microseconds per week, in the order of `weeks`; `booked`:
    microseconds per (key, Monday).
    """
    for monday, free in zip(weeks, available, strict=True):
        held = booked.get((key, monday), 0)
        if free or held:
            yield monday, _figures(held, free)


@functools.lru_cache(maxsize=16384)
def _figures(held: int, available: int) -> tuple:
    """Booked hours, available hours (Decimals) and the percentage of a week.

    Cached per (booked, available) pair: a chain's year is 10,000 weeks of
    therapists and rooms but a few thousand pairs (sessions are whole
    quarter-hours, and weekly patterns are few).
    """
    return _hours(held), _hours(available), _percent(held, available)


def _percent(held: int, available: int):
    # As 100 * held / available on timedeltas: the same integer division.
    return round(100 * held / available, 1) if available else None


@functools.lru_cache(maxsize=8192)
def _hours(microseconds: int) -> Decimal:
    """Hours to the hundredth; cached: a year's 10,000 cells hold a few hundred values."""
    return (Decimal(microseconds / 1_000_000) / 3600).quantize(Decimal("0.01"))


# Attendance ------------------------------------------------------------------


def attendance(*, start, end, location=None, therapist=None, sql=None) -> dict:
    """No-shows and late cancellations over appointments that were due.

    Due: every appointment of the period except those cancelled in good time
    (they freed the slot) and requests never approved. Distinct clients do
    not add up across services, so the therapists' and the services' tables
    are counted apart: one statement with two grouping sets on PostgreSQL
    (one read of the period), one grouped query each elsewhere (`sql`
    chooses). Rates carry a Wilson interval over appointments and are hidden
    under 10 clients.

    Grouped by id, not by the joined name: at the chain's scale the join and
    the text sort of a year's 100,000 rows were a third of each statement.
    Therapists sharing a display name are still one row, as by name: their
    ids are folded onto one before the grouping (`_name_keys`).
    """
    # A request still awaiting approval was never due: the client was not
    # expected yet (a declined one is cancelled, not late, so also left out).
    appointments = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=Appointment.Status.CANCELLED, late_cancel=False)
        .exclude(status=Appointment.Status.REQUESTED)
    )
    if location is not None:
        appointments = appointments.filter(location=location)
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    therapist_keys, therapist_names = _name_keys(
        Therapist.objects.order_by("display_name", "pk").values_list("pk", "display_name")
    )
    _, service_names = _name_keys(Service.objects.order_by("name", "pk").values_list("pk", "name"))
    use_sql = sql if sql is not None else connection.vendor == "postgresql"
    counted = (_attendance_counts_sql if use_sql else _attendance_counts)(
        appointments, therapist_keys
    )
    return {
        "by_therapist": _attendance_rows(counted["therapist"], therapist_names),
        "by_service": _attendance_rows(counted["service"], service_names),
    }


# Both tables from one read of the period: two grouping sets, each counting
# its own distinct clients.
ATTENDANCE_SQL = """
SELECT GROUPING(a.therapist_key), COALESCE(a.therapist_key, a.service_id),
    COUNT(*), COUNT(DISTINCT a.client_id),
    COUNT(*) FILTER (WHERE a.status = %s),
    COUNT(*) FILTER (WHERE a.status = %s AND a.late_cancel)
FROM ({appointments}) AS a
GROUP BY GROUPING SETS ((a.therapist_key), (a.service_id))
"""


def _attendance_counts(appointments, therapist_keys) -> dict:
    """{"therapist" | "service": {key: (due, clients, no-shows, late cancels)}}, by the ORM."""
    counts = {}
    for table, field, key_of in (
        ("therapist", "therapist_id", therapist_keys),
        ("service", "service_id", {}),
    ):
        counts[table] = {
            key: rest
            for key, *rest in appointments.values(key=_folded(field, key_of))
            .order_by()
            .annotate(
                due=Count("pk"),
                clients=Count("client_id", distinct=True),
                no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
                late_cancels=Count(
                    "pk", filter=Q(status=Appointment.Status.CANCELLED, late_cancel=True)
                ),
            )
            .values_list("key", "due", "clients", "no_shows", "late_cancels")
        }
    return counts


def _attendance_counts_sql(appointments, therapist_keys) -> dict:
    """The same from ATTENDANCE_SQL."""
    inner, params = (
        appointments.order_by()
        .values(
            "service_id",
            "client_id",
            "status",
            "late_cancel",
            therapist_key=_folded("therapist_id", therapist_keys),
        )
        .query.sql_with_params()
    )
    counts = {"therapist": {}, "service": {}}
    with connection.cursor() as cursor:
        cursor.execute(
            ATTENDANCE_SQL.format(appointments=inner),
            (Appointment.Status.NO_SHOW, Appointment.Status.CANCELLED, *params),
        )
        for by_service, key, *rest in cursor.fetchall():
            counts["service" if by_service else "therapist"][key] = rest
    return counts


def _attendance_rows(counts, names) -> list:
    """Rows in name order, each with its rates (hidden under 10 clients)."""
    out = []
    for key, name in names:
        if key not in counts:
            continue
        due, clients, no_shows, late_cancels = counts[key]
        few = clients < statistics.MIN_CLIENTS
        out.append(
            {
                "name": name,
                "due": due,
                "clients": clients,
                "no_shows": no_shows,
                "late_cancels": late_cancels,
                "no_show": statistics.share(no_shows, due, hidden=few),
                "late_cancel": statistics.share(late_cancels, due, hidden=few),
            }
        )
    return out


def _name_keys(names) -> tuple[dict, list]:
    """(id, name) rows in the database's name order -> ids sharing a name folded
    onto the first, and the (key, name) pairs in that order.

    The order is the database's (its collation), as ORDER BY name gave it.
    """
    key_of, ordered, first_of = {}, [], {}
    for pk, name in names:
        if name in first_of:
            key_of[pk] = first_of[name]
            continue
        first_of[name] = pk
        ordered.append((pk, name))
    return key_of, ordered


def _folded(field, key_of):
    """The grouping column, with the ids in `key_of` replaced by their key."""
    if not key_of:
        return F(field)
    return Case(
        *(When(**{field: pk}, then=Value(key)) for pk, key in key_of.items()),
        default=F(field),
        output_field=IntegerField(),
    )


# Clinical outcomes -----------------------------------------------------------


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


# One statement over the period's rows of the notes' summary (sessions'
# NoteOutcome tables, kept in the transaction of every note change) and the
# period's pain scores, in SQL that PostgreSQL and SQLite share. Each "most"
# (main therapist, main technique) is a MAX over one packed integer per
# (client, candidate): the count in the high bits and the tie-break, inverted,
# in the low 32 (the lowest therapist id, the first technique name), so a
# client's winner comes out of hash aggregates; ranking with window functions
# sorted every (client, technique) pair by name, strcoll once per comparison
# under the database's libc collation, and was half the statement. First and
# latest pain: each client's first and latest instant, then the scores at
# those instants, packed as id * 128 + tenths of a point (0-100) so the
# lowest id (first) and the highest (latest) carry their value; the same
# order as recorded_at then id, without sorting the period's scores. The
# rankings meet in one GROUP BY, not in joins: the planner guesses a CTE's
# rows badly and nested-looped such joins. With a therapist filter only
# clients with a note of theirs can have them as main therapist, so the rest
# are never counted. Each client's verdict (IMPROVED_SQL) is counted per
# therapist, technique and plan status in the statement, so a year of the
# chain's 53,000 clients comes back as a hundred-odd rows, not 53,000 to loop
# over in Python.
# Ids and note counts stay far below 2**31, so a packed count fits 63 bits;
# a score is 0-10 in tenths, so its tenths fit below TENTHS.
PACK = 2**32
TENTHS = 128
PAIN_IMPROVEMENT_SQL = """
WITH period_notes AS (
    SELECT o.client_id, o.therapist_id, COUNT(*) AS notes FROM {outcome} o
    WHERE o.starts_at >= %(start)s AND o.starts_at < %(end)s {location} {seen_by}
    GROUP BY o.client_id, o.therapist_id
),
technique_names AS (
    SELECT id, name, ROW_NUMBER() OVER (ORDER BY name) AS name_rank FROM {technique}
),
{by_technique}
period_scores AS (
    SELECT s.client_id, s.recorded_at, s.id, s.value FROM {score} s
    WHERE s.instrument = %(pain)s AND s.recorded_at >= %(start)s AND s.recorded_at < %(end)s
        AND s.superseded_by_id IS NULL {scored_clients}
),
bounds AS (
    SELECT client_id, MIN(recorded_at) AS first_at, MAX(recorded_at) AS latest_at
    FROM period_scores GROUP BY client_id HAVING COUNT(*) >= 2
),
plans AS (
    SELECT client_id, status, ROW_NUMBER() OVER (
        PARTITION BY client_id ORDER BY start_date DESC, created_at DESC) AS rank
    FROM {plan} WHERE client_id IN (SELECT client_id FROM period_notes)
),
picked AS (
    SELECT client_id, notes * {pack} + ({pack} - 1 - therapist_id) AS therapist,
        CAST(NULL AS BIGINT) AS technique, CAST(NULL AS TEXT) AS status,
        CAST(NULL AS BIGINT) AS first, CAST(NULL AS BIGINT) AS latest
    FROM period_notes
{technique_branch}
    UNION ALL SELECT client_id, NULL, NULL, status, NULL, NULL FROM plans WHERE rank = 1
    UNION ALL SELECT b.client_id, NULL, NULL, NULL,
        CASE WHEN s.recorded_at = b.first_at
            THEN s.id * {tenths} + CAST(ROUND(s.value * 10) AS INTEGER) END,
        CASE WHEN s.recorded_at = b.latest_at
            THEN s.id * {tenths} + CAST(ROUND(s.value * 10) AS INTEGER) END
    FROM bounds b JOIN period_scores s
        ON s.client_id = b.client_id AND s.recorded_at IN (b.first_at, b.latest_at)
),
per_client AS (
    SELECT MAX(therapist) AS therapist, MAX(technique) AS technique, MAX(status) AS status,
        MIN(first) %% {tenths} AS first, MAX(latest) %% {tenths} AS latest
    FROM picked GROUP BY client_id
    HAVING MAX(latest) IS NOT NULL AND MAX(therapist) IS NOT NULL
),
verdicts AS (
    SELECT {pack} - 1 - therapist %% {pack} AS therapist_id,
        {pack} - 1 - technique %% {pack} AS name_rank, status,
        CASE WHEN {improved} THEN 1 ELSE 0 END AS improved
    FROM per_client
),
kept AS (SELECT * FROM verdicts {therapist})
SELECT 'therapist', therapist_id, NULL, SUM(improved), COUNT(*) FROM kept GROUP BY therapist_id
UNION ALL SELECT 'technique', NULL, t.name, SUM(k.improved), COUNT(*)
    FROM kept k LEFT JOIN technique_names t ON t.name_rank = k.name_rank GROUP BY t.name
UNION ALL SELECT 'plan', NULL, status, SUM(improved), COUNT(*) FROM kept GROUP BY status
"""

# Each client's main technique. Shared: a count per (client, technique),
# packed as above. PostgreSQL: mode() over the techniques' name ranks, which
# takes the first value in that order among the most frequent, so the first
# name wins a tie as above; a sort of the period's technique rows instead of a
# hash of one group per (client, technique), which at the chain (208,000 rows,
# 182,000 groups) spilled to disk: the statement's CPU fell by about an eighth.
MAIN_TECHNIQUE_SQL = {
    False: (
        """by_technique AS (
    SELECT o.client_id, o.technique_id, COUNT(*) AS notes FROM {technique_outcome} o
    WHERE o.starts_at >= %(start)s AND o.starts_at < %(end)s {location} {seen_by}
    GROUP BY o.client_id, o.technique_id
),
""",
        """    UNION ALL SELECT b.client_id, NULL, b.notes * {pack} + ({pack} - 1 - t.name_rank),
        NULL, NULL, NULL
    FROM by_technique b JOIN technique_names t ON t.id = b.technique_id
""",
    ),
    True: (
        """by_technique AS (
    SELECT o.client_id, mode() WITHIN GROUP (ORDER BY t.name_rank) AS name_rank
    FROM {technique_outcome} o JOIN technique_names t ON t.id = o.technique_id
    WHERE o.starts_at >= %(start)s AND o.starts_at < %(end)s {location} {seen_by}
    GROUP BY o.client_id
),
""",
        """    UNION ALL SELECT client_id, NULL, {pack} - 1 - name_rank, NULL, NULL, NULL
    FROM by_technique
""",
    ),
}

# Farrar's verdict (clients.scoring.meaningful_change) on a client's first and
# latest pain in tenths of a point: a fall of at least the meaningful points,
# or of the meaningful share of a baseline at or above the percent rule's
# minimum. Integers only, so both databases give it exactly; a test checks it
# against meaningful_change for every pair of scores.
_POINTS = int(MEANINGFUL_POINTS * 10)
_BASELINE = int(PERCENT_RULE_MIN_BASELINE * 10)
_PERCENT = int(MEANINGFUL_PERCENT)
IMPROVED_SQL = (
    f"latest < first AND (first - latest >= {_POINTS}"
    f" OR (first >= {_BASELINE} AND (first - latest) * 100 >= {_PERCENT} * first))"
)

# Clients with a note of the filtered therapist in the period (and place).
_SEEN_BY_SQL = """AND o.client_id IN (
        SELECT m.client_id FROM {outcome} m
        WHERE m.starts_at >= %(start)s AND m.starts_at < %(end)s
            AND m.therapist_id = %(therapist)s {location})"""


def pain_improvement(*, start, end, location=None, therapist=None, sql=None) -> dict:
    """Share of clients whose pain fell meaningfully from their first to their latest score.

    Clients treated in the period (a session note) with at least two pain
    scores in it. Each counts once, for the therapist who wrote most of
    their notes in the period, the technique they received most, and the
    status of their latest treatment plan. `sql` chooses the main technique's
    statement (default: PostgreSQL's own on PostgreSQL).
    """
    outcome = _table(NoteOutcome)
    seen_by = ""
    if therapist is not None:
        seen_by = _SEEN_BY_SQL.format(
            outcome=outcome,
            location="AND m.location_id = %(location)s" if location is not None else "",
        )
    use_mode = sql if sql is not None else connection.vendor == "postgresql"
    by_technique, technique_branch = MAIN_TECHNIQUE_SQL[use_mode]
    statement = PAIN_IMPROVEMENT_SQL.replace("{by_technique}", by_technique.rstrip())
    statement = statement.replace("{technique_branch}", technique_branch.rstrip())
    sql = statement.format(
        outcome=outcome,
        technique_outcome=_table(NoteOutcomeTechnique),
        technique=_table(Technique),
        score=_table(Score),
        plan=_table(TreatmentPlan),
        location="AND o.location_id = %(location)s" if location is not None else "",
        seen_by=seen_by,
        # Over everyone, reading all the period's scores (one range scan of
        # score_pain_period) beats probing them client by client; a
        # therapist's few clients are probed.
        scored_clients="AND s.client_id IN (SELECT client_id FROM period_notes)" if seen_by else "",
        therapist="WHERE therapist_id = %(therapist)s" if therapist is not None else "",
        improved=IMPROVED_SQL,
        pack=PACK,
        tenths=TENTHS,
    )
    # As the ORM passes instants: SQLite stores them as UTC text, and an aware
    # local instant compared as text put 23:30 on a period's last day in New
    # York (03:30 UTC the next day) after an end written "00:00:00-04:00".
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "start": adapt(start),
        "end": adapt(end),
        "pain": Score.Instrument.PAIN_NRS,
        "location": location.pk if location is not None else None,
        "therapist": therapist.pk if therapist is not None else None,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    plan_labels = dict(TreatmentPlan.Status.choices)
    labels = {
        "therapist": lambda key, _: names.get(key, "Unknown"),
        "technique": lambda _, name: name or "No technique recorded",
        "plan": lambda _, status: plan_labels.get(status, NO_PLAN),
    }
    # Two therapists of the same name share a row, as the tables are by name.
    groups = {key: defaultdict(lambda: [0, 0]) for key in labels}
    for kind, key, name, improved, clients in rows:
        counts = groups[kind][labels[kind](key, name)]
        counts[0] += int(improved)
        counts[1] += clients
    # Every client counted has exactly one main therapist.
    improved_total = sum(k for k, _ in groups["therapist"].values())
    clients_total = sum(n for _, n in groups["therapist"].values())

    def table(key):
        return [
            {"name": name, "result": statistics.share(k, n)}
            for name, (k, n) in sorted(groups[key].items())
        ]

    return {
        "overall": statistics.share(improved_total, clients_total),
        "by_therapist": table("therapist"),
        "by_technique": table("technique"),
        "by_plan_status": table("plan"),
    }


def session_pain_pairs(*, start, end, location=None, therapist=None) -> list[dict]:
    """One row per technique applied in a note of the period, with the note's pain.

    The note's own latest pain before and after (as its amendments left
    them) are on its summary rows; notes missing either are left out.
    """
    rows = NoteOutcomeTechnique.objects.filter(
        starts_at__gte=start,
        starts_at__lt=end,
        pain_before__isnull=False,
        pain_after__isnull=False,
    )
    if location is not None:
        rows = rows.filter(location=location)
    if therapist is not None:
        rows = rows.filter(therapist=therapist)
    return [
        {"technique__name": name, "note__client_id": client_id, "before": before, "after": after}
        for name, client_id, before, after in rows.order_by().values_list(
            "technique__name", "client_id", "pain_before", "pain_after"
        )
    ]


# Each client's median change per technique, in SQL: the middle one or two
# of their ordered changes, summed, with how many (so Python halves a pair
# exactly as statistics.median does). Clients with the same median are one
# row, so a technique's figures come from a hundred-odd rows, not from the
# year's 50,000 technique rows (200,000 at the chain) fetched one by one.
# PostgreSQL only: SQLite sums numerics as floats; it runs the Python path.
SESSION_CHANGE_SQL = """
WITH changes AS (
    SELECT o.technique_id, o.client_id, o.pain_after - o.pain_before AS change,
        ROW_NUMBER() OVER (PARTITION BY o.technique_id, o.client_id
            ORDER BY o.pain_after - o.pain_before) AS rank,
        COUNT(*) OVER (PARTITION BY o.technique_id, o.client_id) AS sessions
    FROM {technique_outcome} o
    WHERE o.starts_at >= %(start)s AND o.starts_at < %(end)s
        AND o.pain_before IS NOT NULL AND o.pain_after IS NOT NULL {location} {therapist}
),
per_client AS (
    SELECT technique_id, MAX(sessions) AS sessions, SUM(change) AS middle, COUNT(*) AS middles
    FROM changes WHERE rank IN ((sessions + 1) / 2, (sessions + 2) / 2)
    GROUP BY technique_id, client_id
)
SELECT t.name, p.middle, p.middles, COUNT(*), CAST(SUM(p.sessions) AS BIGINT)
FROM per_client p JOIN {technique} t ON t.id = p.technique_id
GROUP BY t.name, p.middle, p.middles
"""


def _client_medians_sql(*, start, end, location, therapist) -> dict:
    """Per technique name: (sessions, each client's median change), from SESSION_CHANGE_SQL."""
    sql = SESSION_CHANGE_SQL.format(
        technique_outcome=_table(NoteOutcomeTechnique),
        technique=_table(Technique),
        location="AND o.location_id = %(location)s" if location is not None else "",
        therapist="AND o.therapist_id = %(therapist)s" if therapist is not None else "",
    )
    params = {
        "start": start,
        "end": end,
        "location": location.pk if location is not None else None,
        "therapist": therapist.pk if therapist is not None else None,
    }
    medians = defaultdict(lambda: [0, []])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for name, middle, middles, clients, sessions in cursor.fetchall():
            median = middle if middles == 1 else middle / 2
            medians[name][0] += sessions
            medians[name][1].extend([median] * clients)
    return medians


def _client_medians(*, start, end, location, therapist) -> dict:
    """The same from the pairs themselves (the reference, and SQLite's path)."""
    pairs = session_pain_pairs(start=start, end=end, location=location, therapist=therapist)
    changes = defaultdict(lambda: defaultdict(list))
    for row in pairs:
        changes[row["technique__name"]][row["note__client_id"]].append(row["after"] - row["before"])
    return {
        name: [
            sum(len(values) for values in by_client.values()),
            [statistics.median(values) for values in by_client.values()],
        ]
        for name, by_client in changes.items()
    }


def session_pain_change(*, start, end, location=None, therapist=None, sql=None) -> list:
    """Median change in pain from before to after a session, per technique.

    Before and after are the note's own pain scores (pre_session and
    post_session of the same note), as corrected by its amendments. Each
    client counts once per technique: the median of their own changes; the
    figure is the median over clients. `sql` chooses the per-client medians'
    path (default: in SQL on PostgreSQL).
    """
    use_sql = sql if sql is not None else connection.vendor == "postgresql"
    medians = (_client_medians_sql if use_sql else _client_medians)(
        start=start, end=end, location=location, therapist=therapist
    )
    return [
        {
            "name": name,
            "sessions": sessions,
            "result": statistics.median_summary(per_client, clients=len(per_client)),
        }
        for name, (sessions, per_client) in sorted(medians.items())
    ]


# PEG-3 at plan review ---------------------------------------------------------

# A PEG-3 counts as the plan's baseline up to a week after it starts (the
# intake is often the day before or after), and as its review from a week
# before the review date (reviews are booked around the date, not on it).
PEG_GRACE = timedelta(days=7)


def peg_review_change(*, start, end, today, location=None, therapist=None) -> dict:
    """PEG-3 change from a plan's start to its review, over plans whose review came in the period.

    Review date in the period and not after today. Baseline: the latest PEG-3
    recorded before the plan's start day plus a week; review: the first one
    recorded from a week before the review date on, after the baseline. A
    client with several such plans counts once, for the latest review.
    Two queries: the plans, then those clients' PEG-3 scores (a handful each).
    """
    tz = start.tzinfo
    last = min((end - timedelta(days=1)).date(), today)
    plans = TreatmentPlan.objects.filter(review_date__gte=start.date(), review_date__lte=last)
    if therapist is not None:
        plans = plans.filter(therapist=therapist)
    if location is not None:
        plans = plans.filter(
            Exists(
                Appointment.objects.filter(
                    client=OuterRef("client_id"),
                    therapist=OuterRef("therapist_id"),
                    location=location,
                )
            )
        )
    latest = {}
    for plan in plans.order_by("-review_date", "-start_date").values(
        "client_id", "therapist_id", "status", "start_date", "review_date"
    ):
        latest.setdefault(plan["client_id"], plan)
    scores = defaultdict(list)
    for row in (
        Score.objects.filter(client_id__in=list(latest), instrument=Score.Instrument.PEG)
        .order_by("recorded_at", "pk")
        .values_list("client_id", "recorded_at", "value")
    ):
        scores[row[0]].append((timezone.localtime(row[1], tz).date(), row[2]))
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    labels = dict(TreatmentPlan.Status.choices)
    changes = {"overall": [], "status": defaultdict(list), "therapist": defaultdict(list)}
    for client_id, plan in latest.items():
        pair = statistics.baseline_and_review(
            scores[client_id],
            start=plan["start_date"] + PEG_GRACE,
            review=plan["review_date"] - PEG_GRACE,
        )
        if pair is None:
            continue
        baseline, review = pair
        change = (review - baseline, meaningful_change(baseline, review))
        changes["overall"].append(change)
        changes["status"][labels.get(plan["status"], plan["status"])].append(change)
        changes["therapist"][names.get(plan["therapist_id"], "Unknown")].append(change)

    def summary(name, group):
        improved = sum(1 for _, verdict in group if verdict.meaningful and verdict.change < 0)
        return {
            "name": name,
            "change": statistics.median_summary([c for c, _ in group], clients=len(group)),
            "improved": statistics.share(improved, len(group)),
        }

    return {
        "overall": [summary("All plans", changes["overall"])] if changes["overall"] else [],
        "by_status": [summary(k, v) for k, v in sorted(changes["status"].items())],
        "by_therapist": [summary(k, v) for k, v in sorted(changes["therapist"].items())],
    }
