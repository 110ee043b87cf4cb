"""Reads behind the reports: aggregated in SQL, a fixed number of queries each.

Every function takes the same keyword arguments (start and end instants, and
an optional location and therapist) and returns plain rows the views render
and write as CSV. Statistics over the aggregated rows run in Python
(reports.statistics); nothing here loops over queries.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import TruncDate

from billing.models import Payment, Refund
from clients.models import Client, Score
from clients.scoring import meaningful_change
from practice.models import Appointment, Therapist, TimeOff, WorkingHours
from sessions.models import SessionNote, TechniqueApplication
from sessions.selectors import NOTE_SOURCE

from . import periods, statistics

ZERO = Decimal("0.00")
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

SESSION_LENGTH = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())


def utilisation(*, start, end, period, tz, location=None, therapist=None) -> dict:
    """Booked session time over working time (weekly hours less time off), per therapist per week.

    Booked: appointments that hold the therapist's time (booked, confirmed,
    checked in, completed) starting in the week, at their full length.
    """
    hours = WorkingHours.objects.select_related("location").order_by()
    appointments = Appointment.objects.active().filter(starts_at__gte=start, starts_at__lt=end)
    if location is not None:
        hours = hours.filter(location=location)
        appointments = appointments.filter(location=location)
    therapists = Therapist.objects.filter(Q(active=True) | Q(appointments__in=appointments))
    if therapist is not None:
        hours = hours.filter(therapist=therapist)
        appointments = appointments.filter(therapist=therapist)
        therapists = therapists.filter(pk=therapist.pk)
    time_off = TimeOff.objects.filter(starts_at__lt=end, ends_at__gt=start).order_by()
    if therapist is not None:
        time_off = time_off.filter(therapist=therapist)

    # Summed per local day in SQL (rows grow with days, not appointments) and
    # folded into Monday-to-Sunday weeks here, on the report's clock.
    booked = defaultdict(timedelta)
    for row in (
        appointments.annotate(day=TruncDate("starts_at", tzinfo=tz))
        .values("therapist_id", "day")
        .order_by()
        .annotate(booked=Sum(SESSION_LENGTH), count=Count("pk"))
    ):
        monday = row["day"] - timedelta(days=row["day"].weekday())
        booked[(row["therapist_id"], monday)] += row["booked"]

    hours_of = defaultdict(list)
    for row in hours:
        hours_of[row.therapist_id].append(
            (row.weekday, row.start_time, row.end_time, ZoneInfo(row.location.time_zone))
        )
    off_of = defaultdict(list)
    for row in time_off.values("therapist_id", "starts_at", "ends_at"):
        off_of[row["therapist_id"]].append((row["starts_at"], row["ends_at"]))

    weeks = periods.weeks(period)
    rows = []
    for person in therapists.distinct().order_by("display_name").values("pk", "display_name"):
        working = periods.working_time_by_week(period, hours_of[person["pk"]], off_of[person["pk"]])
        for monday in weeks:
            worked = working.get(monday, timedelta(0))
            held = booked.get((person["pk"], monday), timedelta(0))
            if not worked and not held:
                continue
            rows.append(
                {
                    "therapist": person["display_name"],
                    "week": monday,
                    "booked_hours": _hours(held),
                    "working_hours": _hours(worked),
                    "percent": round(100 * held / worked, 1) if worked else None,
                }
            )
    return {"rows": rows, "weeks": weeks}


def _hours(duration: timedelta) -> Decimal:
    return (Decimal(duration.total_seconds()) / 3600).quantize(Decimal("0.01"))


# Attendance ------------------------------------------------------------------


def attendance(*, start, end, location=None, therapist=None) -> dict:
    """No-shows and late cancellations over appointments that were due.

    Due: every appointment of the period except those cancelled in good time
    (they freed the slot). One grouped query, rolled up two ways.
    """
    appointments = Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
        status=Appointment.Status.CANCELLED, late_cancel=False
    )
    if location is not None:
        appointments = appointments.filter(location=location)
    if therapist is not None:
        appointments = appointments.filter(therapist=therapist)
    grouped = list(
        appointments.values(
            therapist_name=F("therapist__display_name"), service_name=F("service__name")
        )
        .order_by()
        .annotate(
            due=Count("pk"),
            no_shows=Count("pk", filter=Q(status=Appointment.Status.NO_SHOW)),
            late_cancels=Count(
                "pk", filter=Q(status=Appointment.Status.CANCELLED, late_cancel=True)
            ),
        )
    )

    def rollup(key):
        rows = defaultdict(lambda: {"due": 0, "no_shows": 0, "late_cancels": 0})
        for row in grouped:
            for field in ("due", "no_shows", "late_cancels"):
                rows[row[key]][field] += row[field]
        return [
            {
                "name": name,
                **entry,
                "no_show_percent": _percent(entry["no_shows"], entry["due"]),
                "late_cancel_percent": _percent(entry["late_cancels"], entry["due"]),
            }
            for name, entry in sorted(rows.items())
        ]

    return {"by_therapist": rollup("therapist_name"), "by_service": rollup("service_name")}


def _percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


# Clinical outcomes -----------------------------------------------------------


def _notes(*, start, end, location):
    notes = SessionNote.objects.filter(
        appointment__starts_at__gte=start, appointment__starts_at__lt=end
    )
    if location is not None:
        notes = notes.filter(appointment__location=location)
    return notes


def _pain(**filters):
    # A score corrected by a note amendment counts as corrected.
    return Score.objects.filter(
        instrument=Score.Instrument.PAIN_NRS, superseded_by__isnull=True, **filters
    )


def pain_improvement(*, start, end, location=None, therapist=None) -> dict:
    """Share of clients whose pain fell meaningfully from their first to their latest score.

    Clients treated in the period (a session note) with at least two pain
    scores in it. Each counts once, for the therapist who wrote most of
    their notes in the period and the technique they received most.
    """
    notes = _notes(start=start, end=end, location=location)
    scores = _pain(client=OuterRef("pk"), recorded_at__gte=start, recorded_at__lt=end)
    main_therapist = (
        notes.filter(client=OuterRef("pk"))
        .values("therapist_id")
        .order_by()
        .annotate(seen=Count("pk"))
        .order_by("-seen", "therapist_id")
        .values("therapist_id")[:1]
    )
    main_technique = (
        TechniqueApplication.objects.filter(note__in=notes, note__client=OuterRef("pk"))
        .values("technique__name")
        .order_by()
        .annotate(times=Count("note", distinct=True))
        .order_by("-times", "technique__name")
        .values("technique__name")[:1]
    )
    clients = (
        Client.objects.filter(pk__in=notes.values("client_id"))
        .annotate(
            first=Subquery(scores.order_by("recorded_at", "pk").values("value")[:1]),
            latest=Subquery(scores.order_by("-recorded_at", "-pk").values("value")[:1]),
            scored=Subquery(
                scores.order_by().values("client_id").annotate(n=Count("pk")).values("n")[:1]
            ),
            main_therapist=Subquery(main_therapist),
            main_technique=Subquery(main_technique),
        )
        .filter(scored__gte=2)
    )
    if therapist is not None:
        clients = clients.filter(main_therapist=therapist.pk)
    rows = list(clients.values("main_therapist", "main_technique", "first", "latest"))
    names = dict(Therapist.objects.values_list("pk", "display_name"))

    groups = {"therapist": defaultdict(lambda: [0, 0]), "technique": defaultdict(lambda: [0, 0])}
    improved_total = 0
    for row in rows:
        change = meaningful_change(row["first"], row["latest"])
        # A fall in pain is the improvement; a meaningful rise is not counted.
        improved = change.meaningful and change.change < 0
        improved_total += improved
        for key, name in (
            ("therapist", names.get(row["main_therapist"], "Unknown")),
            ("technique", row["main_technique"] or "No technique recorded"),
        ):
            groups[key][name][0] += improved
            groups[key][name][1] += 1

    def table(key):
        return [
            {"name": name, "result": statistics.share(k, n)}
            for name, (k, n) in sorted(groups[key].items())
        ]

    return {
        "overall": statistics.share(improved_total, len(rows)),
        "by_therapist": table("therapist"),
        "by_technique": table("technique"),
    }


def session_pain_change(*, start, end, location=None, therapist=None) -> list:
    """Median change in pain from before to after a session, per technique.

    Before and after are the note's own pain scores (pre_session and
    post_session of the same note). Each client counts once per technique:
    the median of their own changes; the figure is the median over clients.
    """
    notes = _notes(start=start, end=end, location=location)
    if therapist is not None:
        notes = notes.filter(therapist=therapist)
    own = _pain(appointment=OuterRef("note__appointment_id"), source_type=NOTE_SOURCE)
    pairs = (
        TechniqueApplication.objects.filter(note__in=notes)
        .annotate(
            before=Subquery(
                own.filter(context=Score.Context.PRE_SESSION)
                .order_by("-recorded_at", "-pk")
                .values("value")[:1]
            ),
            after=Subquery(
                own.filter(context=Score.Context.POST_SESSION)
                .order_by("-recorded_at", "-pk")
                .values("value")[:1]
            ),
        )
        .filter(before__isnull=False, after__isnull=False)
        .values("technique__name", "note__client_id", "note_id", "before", "after")
        .order_by()
        .distinct()
    )
    changes = defaultdict(lambda: defaultdict(list))
    for row in pairs:
        changes[row["technique__name"]][row["note__client_id"]].append(row["after"] - row["before"])
    table = []
    for name, by_client in sorted(changes.items()):
        per_client = [statistics.median(values) for values in by_client.values()]
        table.append(
            {
                "name": name,
                "sessions": sum(len(values) for values in by_client.values()),
                "result": statistics.median_summary(per_client, clients=len(by_client)),
            }
        )
    return table
