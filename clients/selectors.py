"""Reads of client records, scoped to what a user may see."""

import operator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import reduce
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Avg, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Lower, Reverse, TruncWeek
from django.http import Http404
from django.utils import timezone

from practice.models import Appointment, Location, Service, Therapist
from practice.security.access import Role, roles_of

from . import red_flags, scoring
from .body_regions import BODY_REGIONS, region_label
from .models import CheckIn, Client, Intake, RedFlagClearance, Score

TREND_INSTRUMENTS = ("pain_nrs", "peg", "stress", "sleep")
# Measures where a higher number is better; for the rest a fall is improvement.
HIGHER_IS_BETTER = {"sleep"}
# The chart plots this much history; the change is still from the very first score.
TREND_WINDOW = timedelta(days=365)


class TrendPoint(NamedTuple):
    instrument: str
    recorded_at: object  # start of the week
    value: object  # average of that week's scores


def _therapist_clients(therapist):
    """Those the therapist is primary therapist for or has (had) an appointment with."""
    # EXISTS probes the (therapist, client) index per client; `pk IN (their
    # appointments' clients)` hashed all of a therapist's appointments (20,000
    # in a large practice, 15 ms) to open a single note or chart.
    return Client.objects.filter(
        Q(primary_therapist=therapist)
        | Exists(therapist.appointments.filter(client=OuterRef("pk")))
    )


def _therapist_of(user):
    return getattr(user, "therapist", None) if Role.THERAPIST in roles_of(user) else None


def clients_visible_to(user):
    """Clients whose records `user` may open.

    Owner and front desk: every client. A therapist: "their clients".
    """
    if roles_of(user) & {Role.OWNER, Role.FRONT_DESK}:
        return Client.objects.all()
    therapist = _therapist_of(user)
    if therapist is None:
        return Client.objects.none()
    return _therapist_clients(therapist)


def get_client_for_user(user, pk) -> Client:
    """The client `pk` if `user` may see it; otherwise 404 (never 403)."""
    try:
        client = clients_visible_to(user).select_related("primary_therapist").get(pk=pk)
    except (Client.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc
    # Loaded through the therapist scope itself: no need to ask again whether
    # this is one of their clients.
    client._therapist_scoped = not (roles_of(user) & {Role.OWNER, Role.FRONT_DESK})
    return client


def can_see_clinical(user, client) -> bool:
    """Intake answers, scores, red-flag details: owner, and a therapist of the client.

    A person who is both front desk and therapist sees clinical details of
    their own clients only.
    """
    if Role.OWNER in roles_of(user):
        return True
    therapist = _therapist_of(user)
    if therapist is None:
        return False
    if getattr(client, "_therapist_scoped", False):
        return True
    return _therapist_clients(therapist).filter(pk=client.pk).exists()


def clinical_clients_visible_to(user):
    """Clients whose clinical record (intakes, scores) `user` may read, as a
    queryset: the rule of `can_see_clinical`, for lists (the REST API)."""
    if Role.OWNER in roles_of(user):
        return Client.objects.all()
    therapist = _therapist_of(user)
    if therapist is None:
        return Client.objects.none()
    return _therapist_clients(therapist)


def records_of_visible_clients(user, records, *, clinical=False, listing=False):
    """`records` (a queryset of rows with a `client`) of the clients `user` may
    open (clients_visible_to), or, with `clinical`, whose clinical record they
    may read (clinical_clients_visible_to). The owner's records are all
    records, not those whose client is among every client (a join with them all).

    `listing`: for a list of many records newest first. `client IN (their
    clients)` tests each record walked against the EXISTS of
    _therapist_clients (a client and an appointment probe), and a therapist's
    list walks the records of every therapist's clients to find its 100 (600
    notes at 25 therapists, four times that at 100). A list tests them
    against the two halves of "their clients" as two sets instead, each built
    once (hashed subplans; the therapist's appointments are one index-only
    range). One record keeps the probe: PostgreSQL would build both sets for
    it too (30 ms for one note of the large practice, against 0.06)."""
    roles = roles_of(user)
    if Role.OWNER in roles or (not clinical and Role.FRONT_DESK in roles):
        return records
    therapist = _therapist_of(user)
    if therapist is None:
        return records.none()
    if not listing:
        return records.filter(client__in=_therapist_clients(therapist))
    return records.filter(
        Q(client__in=therapist.appointments.values("client"))
        | Q(client__in=Client.objects.filter(primary_therapist=therapist).values("pk"))
    )


def can_manage_records(user) -> bool:
    """Create and archive client records: owner and front desk."""
    return bool(roles_of(user) & {Role.OWNER, Role.FRONT_DESK})


def _prefix(column):
    # Lower(column) LIKE 'x%': served by the text_pattern_ops expression
    # indexes on PostgreSQL (migration 0006), so search stays fast at 30,000 clients.
    return f"{column}_lower__startswith"


def client_search(*, user, query: str, limit: int = 20, include_archived: bool = False):
    """Clients matching a name, phone or email prefix, for search-as-you-type.

    Every word must start a first, last or preferred name ("ma gon" finds
    Maria Gonzalez); or the query starts the email; or 4+ digits end the
    phone number. One query, at most `limit` rows.
    """
    query = (query or "").strip()
    qs = clients_visible_to(user)
    if not include_archived:
        qs = qs.filter(archived=False)
    if not query:
        return qs.none()
    qs = qs.alias(
        first_name_lower=Lower("first_name"),
        last_name_lower=Lower("last_name"),
        preferred_name_lower=Lower("preferred_name"),
        email_lower=Lower("email"),
        phone_reversed=Reverse("phone"),
    )
    digits = "".join(ch for ch in query if ch.isdigit())
    condition = Q()
    for word in query.lower().split():
        condition &= (
            Q(**{_prefix("first_name"): word})
            | Q(**{_prefix("last_name"): word})
            | Q(**{_prefix("preferred_name"): word})
        )
    condition |= Q(**{_prefix("email"): query.lower()})
    if len(digits) >= 4:
        # Digits typed match the end of the stored E.164 number: "0143", "202 555 0143".
        condition |= Q(phone_reversed__startswith=digits[::-1])
    return (
        qs.filter(condition)
        .select_related("primary_therapist")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


def client_list(*, user, limit: int = 50, include_archived: bool = False):
    """The first clients by name, for the list page before anything is typed."""
    qs = clients_visible_to(user)
    if not include_archived:
        qs = qs.filter(archived=False)
    return qs.select_related("primary_therapist").order_by("last_name", "first_name", "pk")[:limit]


class ClientResult(NamedTuple):
    """A client as a search or list row shows them."""

    pk: object
    first_name: str
    last_name: str
    preferred_name: str
    archived: bool
    has_red_flags: bool
    date_of_birth: object
    phone: object
    email: str
    therapist_name: str | None


RESULT_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "preferred_name",
    "archived",
    "has_red_flags",
    "date_of_birth",
    "phone",
    "email",
    "primary_therapist__display_name",
)


def client_results(clients) -> list[ClientResult]:
    """The rows of `client_search` or `client_list`, read as plain values: no
    Client and Therapist instances, and one phone number parsed per row, not
    two (each client also carries an emergency contact's)."""
    return [ClientResult(*row) for row in clients.values_list(*RESULT_FIELDS)]


def client_possible_duplicates(
    *, first_name, last_name, date_of_birth, email, phone, exclude=None, user=None
):
    """Existing clients that look like the same person: same email, same phone,
    or same name and date of birth. With `user`, only clients they may see
    (a warning must not reveal other therapists' clients)."""
    condition = Q(pk__in=[])
    if email:
        condition |= Q(email__iexact=email)
    if phone:
        condition |= Q(phone=phone)
    if first_name and last_name and date_of_birth:
        condition |= Q(
            first_name__iexact=first_name, last_name__iexact=last_name, date_of_birth=date_of_birth
        )
    qs = (clients_visible_to(user) if user is not None else Client.objects).filter(condition)
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.order_by("last_name", "first_name")[:5])


def latest_intake(client) -> Intake | None:
    return client.intakes.order_by("-submitted_at").first()


def red_flag_reasons(client) -> list[str]:
    """Why to review before treating, from the latest intake. Clinical detail:
    show only to users for whom can_see_clinical() is true."""
    if not client.has_red_flags:
        return []
    intake = client.intakes.order_by("-submitted_at").only("red_flags").first()
    return list(intake.red_flags) if intake else []


@dataclass
class Cautions:
    """What a therapist reads before treating: the latest intake's red flags
    (each with its clearance, when one is needed and given), areas to avoid
    and pressure preference. Clinical: only for can_see_clinical() users."""

    flags: list = field(default_factory=list)
    areas_to_avoid: list = field(default_factory=list)
    area_labels: list = field(default_factory=list)
    pressure_preference: str = ""
    pressure_preference_label: str = ""

    @property
    def in_force(self) -> list[str]:
        """Codes still to respect: every flag but those cleared."""
        return [f["code"] for f in self.flags if f["code"] and f["clearance"] is None]

    @property
    def any(self) -> bool:
        return bool(self.flags or self.areas_to_avoid or self.pressure_preference_label)

    def contradictions(self, *, pressure="", regions=(), overall=False) -> list[str]:
        return red_flags.contradictions(
            flags=self.in_force,
            pressure=pressure,
            regions=regions,
            preference=self.pressure_preference,
            areas_to_avoid=self.areas_to_avoid,
            overall=overall,
            labels=BODY_REGIONS,
        )


_NOT_LOADED = object()


def treatment_cautions(client, *, intake=_NOT_LOADED) -> Cautions:
    """The client's cautions from their latest intake (`intake` when the caller
    has it loaded, None for none): one query, two with red flags that need
    clearance."""
    if intake is _NOT_LOADED:
        intake = latest_intake(client)
    if intake is None:
        return Cautions()
    cautions = Cautions(
        areas_to_avoid=list(intake.areas_to_avoid or ()),
        pressure_preference=intake.pressure_preference,
        pressure_preference_label=(
            intake.get_pressure_preference_display() if intake.pressure_preference else ""
        ),
    )
    codes = red_flags.flag_codes(intake.health_conditions)
    reasons = {red_flags.RED_FLAG_REASONS[code]: code for code in codes}
    clearances = {}
    if any(code in red_flags.NEEDS_CLEARANCE for code in codes):
        for clearance in RedFlagClearance.objects.filter(
            client=client, flag_code__in=codes, cleared_at__gte=intake.submitted_at
        ).select_related("cleared_by"):
            clearances.setdefault(clearance.flag_code, clearance)
    # The reasons stored when the intake came in are what the client was told
    # about; a reason whose wording changed since is still shown, without a code.
    stored = list(intake.red_flags or ())
    for reason in stored + [r for r in reasons if r not in stored]:
        code = reasons.get(reason, "")
        cautions.flags.append(
            {
                "code": code,
                "reason": reason,
                "needs_clearance": code in red_flags.NEEDS_CLEARANCE,
                "clearance": clearances.get(code),
            }
        )
    cautions.area_labels = [region_label(code) for code in cautions.areas_to_avoid]
    return cautions


def written_out() -> bool:
    """The chart's statements below are PostgreSQL's (LATERAL, arrays,
    parenthesised UNION ALL branches with their own LIMIT). Elsewhere (SQLite
    in development) the ORM's equivalents answer; they are the reference, and
    tests on PostgreSQL compare the two."""
    return connection.vendor == "postgresql"


class ScoreEnd(NamedTuple):
    instrument: str
    value: object
    recorded_at: object
    pk: int


# The weekly averages and each instrument's first and latest score in one
# statement: the ORM's two queries (eight LIMIT 1 subqueries in the second)
# took longer to build than PostgreSQL takes to run them. Each end is one
# LIMIT 1 walk of the (client, instrument, recorded_at) index, as before; a
# window over all of a client's scores took 27 ms for 24,000 of them.
_SCORE_ROWS_SQL = """
(SELECT s.instrument, DATE_TRUNC('week', s.recorded_at AT TIME ZONE %(zone)s) AS week,
        AVG(s.value) AS value, NULL::timestamptz AS recorded_at, NULL::bigint AS id
   FROM {score} s
  WHERE s.client_id = %(client)s AND s.instrument = ANY(%(instruments)s)
    AND s.superseded_by_id IS NULL AND s.context <> %(post_session)s
    AND s.recorded_at >= %(since)s
  GROUP BY 1, 2
  ORDER BY 2)
UNION ALL
SELECT i.instrument, NULL, e.value, e.recorded_at, e.id
  FROM UNNEST(%(instruments)s::varchar[]) AS i(instrument)
 CROSS JOIN LATERAL (
       (SELECT s.value, s.recorded_at, s.id FROM {score} s
         WHERE s.client_id = %(client)s AND s.instrument = i.instrument
           AND s.superseded_by_id IS NULL AND s.context <> %(post_session)s
         ORDER BY s.recorded_at, s.id LIMIT 1)
       UNION ALL
       (SELECT s.value, s.recorded_at, s.id FROM {score} s
         WHERE s.client_id = %(client)s AND s.instrument = i.instrument
           AND s.superseded_by_id IS NULL AND s.context <> %(post_session)s
         ORDER BY s.recorded_at DESC, s.id DESC LIMIT 1)
       ) e
"""


def _score_rows(client, since, *, sql=None) -> tuple[list[TrendPoint], list[ScoreEnd]]:
    """The weekly averages since `since`, oldest first, and each instrument's
    first and latest score (once each, in no order).

    Post-session pain is left out: it is one session's immediate effect
    (plotted against the pre-session score on the treatment history); mixed
    into the trend it would zigzag and overstate the change since the first
    score."""
    if sql if sql is not None else written_out():
        zone = timezone.get_current_timezone()
        with connection.cursor() as cursor:
            cursor.execute(
                _SCORE_ROWS_SQL.format(score=Score._meta.db_table),
                {
                    "client": client.pk,
                    "instruments": list(TREND_INSTRUMENTS),
                    "post_session": Score.Context.POST_SESSION,
                    "since": since,
                    "zone": timezone.get_current_timezone_name(),
                },
            )
            rows = cursor.fetchall()
        # As TruncWeek gives it: the week's start in the current time zone.
        recent = [
            TrendPoint(instrument, timezone.make_aware(week, zone), value)
            for instrument, week, value, _, _ in rows
            if week is not None
        ]
        ends = [
            ScoreEnd(instrument, value, recorded_at, pk)
            for instrument, week, value, recorded_at, pk in rows
            if week is None
        ]
        return recent, ends
    scores = Score.objects.filter(
        client=client, instrument__in=TREND_INSTRUMENTS, superseded_by__isnull=True
    ).exclude(context=Score.Context.POST_SESSION)
    recent = [
        TrendPoint(row["instrument"], row["week"], row["average"])
        for row in scores.filter(recorded_at__gte=since)
        .annotate(week=TruncWeek("recorded_at"))
        .values("instrument", "week")
        .annotate(average=Avg("value"))
        .order_by("week")
    ]
    ends_of = []
    for instrument in TREND_INSTRUMENTS:
        mine = scores.filter(instrument=instrument)
        for order in (("recorded_at", "pk"), ("-recorded_at", "-pk")):
            ends_of.append(Q(pk=Subquery(mine.order_by(*order).values("pk")[:1])))
    ends = [
        ScoreEnd(*row)
        for row in Score.objects.filter(reduce(operator.or_, ends_of)).values_list(
            "instrument", "value", "recorded_at", "pk"
        )
    ]
    return recent, ends


def score_trends(client, *, now=None, sql=None):
    """Per instrument: weekly averages over the last year, the latest score, and
    the change from the very first score to the latest.

    One query whatever the history on PostgreSQL (two elsewhere): the weekly
    averages, and each instrument's first and latest score of all time.
    """
    now = now or timezone.now()
    # A regular client collects thousands of scores; plotting each one made the
    # chart page slow (make bench). The chart shows a year of weekly averages,
    # computed by the database.
    recent, ends = _score_rows(client, now - TREND_WINDOW, sql=sql)
    points_of = {}
    for point in recent:
        points_of.setdefault(point.instrument, []).append(point)
    ends_of = {}
    for row in ends:
        ends_of.setdefault(row.instrument, []).append(row)
    labels = dict(Score.Instrument.choices)
    trends = []
    for instrument in TREND_INSTRUMENTS:
        mine = sorted(ends_of.get(instrument, ()), key=lambda row: (row.recorded_at, row.pk))
        if not mine:
            continue
        first, latest = mine[0], mine[-1]
        points = points_of.get(instrument) or [latest]
        change = (
            scoring.meaningful_change(first.value, latest.value) if first.pk != latest.pk else None
        )
        improved = None
        if change is not None and change.change:
            improved = (change.change > 0) == (instrument in HIGHER_IS_BETTER)
        trends.append(
            {
                "instrument": instrument,
                "label": labels[instrument],
                "points": points,
                "latest": latest,
                "change": change,
                "improved": improved,
            }
        )
    return trends


def intake_for_user(user, client, intake_id) -> Intake:
    if not can_see_clinical(user, client):
        raise Http404
    try:
        return client.intakes.get(pk=intake_id)
    except (Intake.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


class ChartAppointment(NamedTuple):
    """An appointment as the chart lists it: plain values, no model instances."""

    pk: object
    starts_at: object
    status: str
    late_cancel: bool
    time_zone: str  # its location's
    service_name: str
    therapist_name: str
    checked_in_at: object  # its check-in's submission, for upcoming ones; else None

    @property
    def status_label(self) -> str:
        return Appointment.Status(self.status).label


# The chart's next and recent appointments in one statement, as plain rows:
# the ORM built two queries of four model instances a row (appointment,
# therapist, service, location, and the check-in) for seven fields. The
# location, service and therapist are joined to the thirteen rows outside the
# two branches: joined inside, planning the nine-way join took longer (1.5 ms)
# than running it.
_CHART_APPOINTMENTS_SQL = """
SELECT a.upcoming, a.id, a.starts_at, a.status, a.late_cancel, l.time_zone, s.name,
       t.display_name, a.checked_in_at
  FROM ((SELECT TRUE AS upcoming, a.id, a.starts_at, a.status, a.late_cancel, a.location_id,
                a.service_id, a.therapist_id,
                (SELECT c.submitted_at FROM {check_in} c WHERE c.appointment_id = a.id)
                  AS checked_in_at
           FROM {appointment} a
          WHERE a.client_id = %(client)s AND a.status = ANY(%(active)s)
            AND a.starts_at >= %(soon)s
          ORDER BY a.starts_at
          LIMIT %(upcoming)s)
        UNION ALL
        (SELECT FALSE, a.id, a.starts_at, a.status, a.late_cancel, a.location_id,
                a.service_id, a.therapist_id, NULL
           FROM {appointment} a
          WHERE a.client_id = %(client)s AND a.starts_at < %(now)s
          ORDER BY a.starts_at DESC
          LIMIT %(past)s)) a
  JOIN {location} l ON l.id = a.location_id
  JOIN {service} s ON s.id = a.service_id
  JOIN {therapist} t ON t.id = a.therapist_id
"""

_APPOINTMENT_FIELDS = (
    "pk",
    "starts_at",
    "status",
    "late_cancel",
    "location__time_zone",
    "service__name",
    "therapist__display_name",
)


def _starts(appointment):
    return appointment.starts_at


def chart_appointments(client, *, now, upcoming=3, past=10, sql=None):
    """The client's next active appointments (including today's, for check-in),
    earliest first, and their most recent past ones in any status, newest
    first: cancellations and no-shows are part of the history a clinic needs
    to see. Two lists of ChartAppointment."""
    soon = now - timedelta(hours=12)
    if sql if sql is not None else written_out():
        tables = {
            name: model._meta.db_table
            for name, model in (
                ("appointment", Appointment),
                ("location", Location),
                ("service", Service),
                ("therapist", Therapist),
                ("check_in", CheckIn),
            )
        }
        with connection.cursor() as cursor:
            cursor.execute(
                _CHART_APPOINTMENTS_SQL.format(**tables),
                {
                    "client": client.pk,
                    "active": list(Appointment.ACTIVE_STATUSES),
                    "soon": soon,
                    "now": now,
                    "upcoming": upcoming,
                    "past": past,
                },
            )
            rows = cursor.fetchall()
        # The joins need not keep the branches' order.
        return (
            sorted((ChartAppointment(*row[1:]) for row in rows if row[0]), key=_starts),
            sorted(
                (ChartAppointment(*row[1:]) for row in rows if not row[0]),
                key=_starts,
                reverse=True,
            ),
        )
    mine = client.appointments
    return (
        [
            ChartAppointment(*row)
            for row in mine.active()
            .filter(starts_at__gte=soon)
            .order_by("starts_at")
            .values_list(*_APPOINTMENT_FIELDS, "check_in__submitted_at")[:upcoming]
        ],
        [
            ChartAppointment(*row, None)
            for row in mine.filter(starts_at__lt=now)
            .order_by("-starts_at")
            .values_list(*_APPOINTMENT_FIELDS)[:past]
        ],
    )


def score_chart_data(trends):
    """Series for the chart (JSON-ready); empty until some measure has two points,
    since one point is no trend and the table already shows it."""
    if not any(len(trend["points"]) > 1 for trend in trends):
        return []
    return [
        {
            "label": trend["label"],
            "points": [
                {"x": p.recorded_at.isoformat(), "y": float(p.value)} for p in trend["points"]
            ],
        }
        for trend in trends
    ]


def get_appointment_for_check_in(user, pk):
    """An appointment whose client `user` may see; otherwise 404."""
    appointment = (
        Appointment.objects.select_related("client", "therapist", "location").filter(pk=pk).first()
    )
    if (
        appointment is None
        or not clients_visible_to(user).filter(pk=appointment.client_id).exists()
    ):
        raise Http404
    return appointment
