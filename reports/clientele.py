"""Reads about the clientele: new and returning clients, rebooking, retention, recall.

A visit is an appointment the client attended (checked in or completed).
What each visit needs (EXISTS probes on the client's appointments, on the
(client, starts_at) index) is asked in SQL, once per visit for the whole
clients report; Python counts the visits and clients and makes the shares.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from practice.models import Appointment, Therapist
from sessions.models import TreatmentPlan

from . import statistics
from .models import RecallContact

VISITED = (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)
# "Rebooked": a next appointment within 6 weeks of a visit (the rule).
REBOOK_WINDOW = timedelta(weeks=6)
# A request still waiting for staff is not a booking yet (it may be declined or expire).
NOT_REBOOKED = (Appointment.Status.CANCELLED, Appointment.Status.REQUESTED)
# "Retained": seen again within 90 days of their first visit in the period.
RETENTION_WINDOW = timedelta(days=90)
ALL_THERAPISTS = "All therapists"


def _visits(*, start, end, location, therapist):
    visits = Appointment.objects.filter(
        status__in=VISITED, starts_at__gte=start, starts_at__lt=end
    ).order_by()
    if location is not None:
        visits = visits.filter(location=location)
    if therapist is not None:
        visits = visits.filter(therapist=therapist)
    return visits


def _client_appointments(**filters):
    return Appointment.objects.filter(client=OuterRef("client_id"), **filters)


def _visit_rows(*, start, end, location, therapist, now):
    """Each visit of the period with what the three tables ask of it, in one query.

    The probes (index-only on the (client, starts_at) index) run once per
    visit for all three tables; a probe whose window is still open is not
    run at all (CASE), as that visit is left out anyway.
    """
    earlier_in_period = {
        "status__in": VISITED,
        "starts_at__gte": start,
        "starts_at__lt": OuterRef("starts_at"),
    }
    if location is not None:
        earlier_in_period["location"] = location
    rebook_closed = Q(starts_at__lte=now - REBOOK_WINDOW)
    retention_closed = Q(starts_at__lte=now - RETENTION_WINDOW)

    def when(closed, condition):
        return Case(When(closed, then=condition), default=Value(False))

    return (
        _visits(start=start, end=end, location=location, therapist=therapist)
        .annotate(
            seen_before=Exists(_client_appointments(status__in=VISITED, starts_at__lt=start)),
            rebooked=when(
                rebook_closed,
                Exists(
                    _client_appointments(
                        starts_at__gt=OuterRef("starts_at"),
                        starts_at__lte=OuterRef("starts_at") + REBOOK_WINDOW,
                    ).exclude(status__in=NOT_REBOOKED)
                ),
            ),
            first_in_period=when(
                retention_closed, ~Exists(_client_appointments(**earlier_in_period))
            ),
            first_with_therapist=when(
                retention_closed,
                ~Exists(
                    _client_appointments(therapist=OuterRef("therapist_id"), **earlier_in_period)
                ),
            ),
            seen_again=when(
                retention_closed,
                Exists(
                    _client_appointments(
                        status__in=VISITED,
                        starts_at__gt=OuterRef("starts_at"),
                        starts_at__lte=OuterRef("starts_at") + RETENTION_WINDOW,
                    )
                ),
            ),
            rebook_closed=ExpressionWrapper(rebook_closed, BooleanField()),
            retention_closed=ExpressionWrapper(retention_closed, BooleanField()),
        )
        .values_list(
            "therapist_id",
            "client_id",
            "seen_before",
            "rebooked",
            "first_in_period",
            "first_with_therapist",
            "seen_again",
            "rebook_closed",
            "retention_closed",
        )
    )


# The counts of the three tables per therapist and over everyone, from the
# visits' flags computed once: the CTE is read twice, so PostgreSQL runs its
# probes once (a CTE named twice is materialised). Distinct clients do not
# add up across therapists (a client can see two), hence the second SELECT.
CLIENTS_REPORT_SQL = """
WITH v AS ({visits})
SELECT therapist_id, {counts_with_therapist} FROM v GROUP BY therapist_id
UNION ALL
SELECT NULL, {counts_overall} FROM v
"""

_COUNTS = """COUNT(DISTINCT client_id),
    COUNT(DISTINCT CASE WHEN NOT seen_before THEN client_id END),
    SUM(CASE WHEN rebook_closed THEN 1 ELSE 0 END),
    COUNT(DISTINCT CASE WHEN rebook_closed THEN client_id END),
    SUM(CASE WHEN rebook_closed AND rebooked THEN 1 ELSE 0 END),
    COUNT(DISTINCT CASE WHEN retention_closed AND {first} THEN client_id END),
    COUNT(DISTINCT CASE WHEN retention_closed AND {first} AND seen_again THEN client_id END)"""

_COUNT_NAMES = ("clients", "new", "visits", "visit_clients", "rebooked", "firsts", "returned")


def clients_report(*, start, end, location=None, therapist=None, now=None) -> dict:
    """New and returning clients, rebooking and retention: the clients report's three tables.

    New: the client's first visit ever was in the period. Rebooked: a visit
    followed by a next (not cancelled) appointment within 6 weeks, counted
    over visits whose 6 weeks have passed (a visit last week may still be
    rebooked). Retained: seen again (by anyone) within 90 days of their first
    visit in the period (with that therapist on a therapist's row), over
    clients whose 90 days have passed. Two queries.
    """
    now = now or timezone.now()
    visits, params = _visit_rows(
        start=start, end=end, location=location, therapist=therapist, now=now
    ).query.sql_with_params()
    sql = CLIENTS_REPORT_SQL.format(
        visits=visits,
        counts_with_therapist=_COUNTS.format(first="first_with_therapist"),
        counts_overall=_COUNTS.format(first="first_in_period"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = [(row[0], dict(zip(_COUNT_NAMES, row[1:], strict=True))) for row in cursor]
    overall = next(counts for therapist_id, counts in counted if therapist_id is None)
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    # By name, then id: two therapists may share a display name (the counts
    # themselves, dicts, cannot break the tie).
    per_therapist = sorted(
        ((names.get(pk, "Unknown"), pk, counts) for pk, counts in counted if pk is not None),
        key=lambda row: row[:2],
    )
    named = [(name, counts) for name, _pk, counts in per_therapist]

    def table(count, figures):
        rows = [{"name": name, **figures(counts)} for name, counts in named if counts[count]]
        return [{"name": ALL_THERAPISTS, **figures(overall)}, *rows] if rows else []

    def flow(counts):
        clients, new = counts["clients"], counts["new"]
        return {
            "clients": clients,
            "new": new,
            "returning": clients - new,
            "result": statistics.share(new, clients),
        }

    def rebooking(counts):
        visits, clients, rebooked = counts["visits"], counts["visit_clients"], counts["rebooked"]
        return {
            "visits": visits,
            "clients": clients,
            "rebooked": rebooked,
            # The interval is over visits; the hiding rule is over the clients behind them.
            "result": statistics.share(rebooked, visits, hidden=clients < statistics.MIN_CLIENTS),
        }

    def retention(counts):
        clients, returned = counts["firsts"], counts["returned"]
        return {
            "clients": clients,
            "returned": returned,
            "result": statistics.share(returned, clients),
        }

    return {
        "flow": table("clients", flow),
        "rebooking": table("visits", rebooking),
        "retention": table("firsts", retention),
    }


# Recall ----------------------------------------------------------------------

RECALL_WEEKS = (4, 6, 8, 12, 26)
DEFAULT_RECALL_WEEKS = 6
# Clients not seen for longer than this have left; they are not "due".
RECALL_HORIZON = timedelta(days=365)


# The recall list's contact filter: everyone (contacted ones last), or one side.
CONTACT_ANY, CONTACT_WAITING, CONTACT_DONE = "", "waiting", "contacted"


def recall_list(
    *,
    clients,
    now=None,
    weeks=DEFAULT_RECALL_WEEKS,
    location=None,
    therapist=None,
    contact=CONTACT_ANY,
):
    """Clients due for a visit with none booked, most recently lapsed first.

    Due: a visit within the last year, none in the last `weeks`, and nothing
    booked since then or ahead (a no-show since does not count as seen).
    `clients` is the caller's scope (a therapist's own clients); `therapist`
    keeps those last seen by them. Returns a queryset (the view pages it),
    annotated with the last visit, its therapist, whether a treatment plan
    is still active and whether a contact mark came since that visit
    (`contacted`; `recall_contacts` fetches the marks). Clients already
    contacted sink below the others; `contact` keeps only those waiting for
    a call, or only those contacted.
    """
    now = now or timezone.now()
    lapsed = now - timedelta(weeks=weeks)
    visits = Appointment.objects.filter(client=OuterRef("pk"), status__in=VISITED)
    if location is not None:
        visits = visits.filter(location=location)
    last_visit = visits.order_by("-starts_at")
    due = (
        clients.filter(archived=False)
        .filter(Exists(visits.filter(starts_at__gte=now - RECALL_HORIZON, starts_at__lt=lapsed)))
        .filter(
            ~Exists(
                Appointment.objects.filter(
                    client=OuterRef("pk"),
                    starts_at__gte=lapsed,
                    status__in=Appointment.ACTIVE_STATUSES,
                )
            )
        )
        .annotate(
            last_visit=Subquery(last_visit.values("starts_at")[:1]),
            last_therapist=Subquery(last_visit.values("therapist__display_name")[:1]),
            last_therapist_id=Subquery(last_visit.values("therapist_id")[:1]),
            active_plan=Exists(
                TreatmentPlan.objects.filter(
                    client=OuterRef("pk"), status=TreatmentPlan.Status.ACTIVE
                )
            ),
        )
    )
    if therapist is not None:
        due = due.filter(last_therapist_id=therapist.pk)
    latest_contact = RecallContact.objects.filter(client=OuterRef("pk")).order_by("-contacted_at")
    # An alias, not selected: PostgreSQL would probe it for every due client
    # before the sort, not just for the page's fifty.
    due = due.alias(contact_at=Subquery(latest_contact.values("contacted_at")[:1])).annotate(
        # A mark from before the last visit was for an earlier lapse. Clients
        # never marked are told apart first, by one hashed IN over the marks,
        # so CASE probes neither their marks nor their last visit again: the
        # probes for all 9,600 due clients of the bench practice made the
        # page half as slow again.
        contacted=Case(
            When(~Q(pk__in=RecallContact.objects.values("client_id")), then=Value(False)),
            When(contact_at__gt=F("last_visit"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if contact == CONTACT_WAITING:
        due = due.filter(contacted=False)
    elif contact == CONTACT_DONE:
        due = due.filter(contacted=True)
    return due.order_by("contacted", F("last_visit").desc(), "last_name", "first_name", "pk")


def recall_contacts(clients_due) -> None:
    """Each client's latest contact mark as `client.contact` (None unless `contacted`).

    One query for the lot, over the clients marked since their last visit.
    """
    marked = [client.pk for client in clients_due if client.contacted]
    latest = {}
    for mark in (
        RecallContact.objects.filter(client_id__in=marked)
        .select_related("contacted_by")
        .order_by("client_id", "-contacted_at", "-pk")
    ):
        latest.setdefault(mark.client_id, mark)
    for client in clients_due:
        client.contact = latest.get(client.pk)
