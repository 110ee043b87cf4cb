"""Reads about the clientele: new and returning clients, rebooking, retention, recall.

A visit is an appointment the client attended (checked in or completed).
Every figure is counted in SQL (EXISTS probes on the client's appointments,
on the (client, starts_at) index); Python only turns counts into shares.
"""

from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
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


def _grouped(queryset, **aggregates):
    """The aggregates per therapist (one query) and over everyone (one more).

    Distinct clients do not add up across therapists (a client can see two),
    so the overall row is its own query, not a sum.
    """
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    rows = [
        {"name": names.get(row.pop("therapist_id"), "Unknown"), **row}
        for row in queryset.values("therapist_id").annotate(**aggregates)
    ]
    rows.sort(key=lambda row: row["name"])
    overall = queryset.aggregate(**aggregates)
    return [{"name": ALL_THERAPISTS, **overall}, *rows] if rows else []


def new_and_returning(*, start, end, location=None, therapist=None) -> list:
    """Clients seen in the period, and how many of them had their first visit ever in it."""
    visits = _visits(start=start, end=end, location=location, therapist=therapist)
    # Conditions go straight into the aggregates' filters: an annotation
    # would make Django wrap the overall aggregate in a subquery that loses it.
    seen_before = Exists(_client_appointments(status__in=VISITED, starts_at__lt=start))
    rows = _grouped(
        visits,
        clients=Count("client_id", distinct=True),
        new=Count("client_id", distinct=True, filter=~Q(seen_before)),
    )
    for row in rows:
        row["returning"] = row["clients"] - row["new"]
        row["result"] = statistics.share(row["new"], row["clients"])
    return rows


def rebooking(*, start, end, location=None, therapist=None, now=None) -> list:
    """Share of visits followed by a next (not cancelled) appointment within 6 weeks.

    Only visits whose 6 weeks have passed count: a visit last week may still be
    rebooked, and counting it as not rebooked would understate the rate.
    """
    now = now or timezone.now()
    visits = _visits(start=start, end=end, location=location, therapist=therapist)
    closed = visits.filter(starts_at__lte=now - REBOOK_WINDOW)
    rebooked = Exists(
        _client_appointments(
            starts_at__gt=OuterRef("starts_at"),
            starts_at__lte=OuterRef("starts_at") + REBOOK_WINDOW,
        ).exclude(status=Appointment.Status.CANCELLED)
    )
    rows = _grouped(
        closed,
        visits=Count("pk"),
        clients=Count("client_id", distinct=True),
        rebooked=Count("pk", filter=Q(rebooked)),
    )
    for row in rows:
        # The interval is over visits; the hiding rule is over the clients behind them.
        row["result"] = statistics.share(
            row["rebooked"], row["visits"], hidden=row["clients"] < statistics.MIN_CLIENTS
        )
    return rows


def retention(*, start, end, location=None, therapist=None, now=None) -> list:
    """Share of clients seen again (by anyone) within 90 days of their first visit in the period.

    Per therapist, a client counts from their first visit with that therapist
    in the period; clients whose 90 days have not passed yet are left out.
    """
    now = now or timezone.now()
    visits = _visits(start=start, end=end, location=location, therapist=therapist).filter(
        starts_at__lte=now - RETENTION_WINDOW
    )
    earlier_in_period = {"status__in": VISITED, "starts_at__gte": start}
    if location is not None:
        earlier_in_period["location"] = location
    seen_again = Exists(
        _client_appointments(
            status__in=VISITED,
            starts_at__gt=OuterRef("starts_at"),
            starts_at__lte=OuterRef("starts_at") + RETENTION_WINDOW,
        )
    )

    def firsts(**same):
        # A client's first visit in the period (with the same therapist when grouped).
        earlier = _client_appointments(starts_at__lt=OuterRef("starts_at"), **earlier_in_period)
        return visits.filter(~Exists(earlier.filter(**same)))

    aggregates = {
        "clients": Count("client_id", distinct=True),
        "returned": Count("client_id", distinct=True, filter=Q(seen_again)),
    }
    names = dict(Therapist.objects.values_list("pk", "display_name"))
    per_therapist = firsts(therapist_id=OuterRef("therapist_id"))
    rows = [
        {"name": names.get(row.pop("therapist_id"), "Unknown"), **row}
        for row in per_therapist.values("therapist_id").annotate(**aggregates)
    ]
    rows.sort(key=lambda row: row["name"])
    if rows:
        rows.insert(0, {"name": ALL_THERAPISTS, **firsts().aggregate(**aggregates)})
    for row in rows:
        row["result"] = statistics.share(row["returned"], row["clients"])
    return rows


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
