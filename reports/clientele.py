"""Reads about the clientele: new and returning clients, rebooking, retention, recall.

A visit is an appointment the client attended (checked in or completed).
What each visit needs of the client's other appointments is kept per visit
in the visit summary (`reports.visits`); the reports compare its columns in
SQL and Python counts the visits and clients and makes the shares. The
`_visit_rows` probes ask the appointments themselves: they are the
reference the summary is tested against.
"""

from datetime import timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from clients.models import Client
from practice.models import Appointment, Therapist
from sessions.models import TreatmentPlan

from . import statistics
from .models import ClientVisit, RecallContact
from .visits import NOT_REBOOKED, VISITED

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


def summarised() -> bool:
    """Whether the visit summary is kept: on PostgreSQL, by its statement
    triggers. SQLite's triggers fire row by row, which made a bulk insert of
    a client's history rewrite their rows once per appointment; its small
    databases read the appointments themselves instead."""
    return connection.vendor == "postgresql"


_VISIT_COLUMNS = (
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
        .values_list(*_VISIT_COLUMNS)
    )


def _summary_counts(*, start, end, location, therapist, now):
    """The counts of `_probe_counts` from the visit summary (`reports.visits`), in one query.

    Each visit's "before" and "after" are stored, so a flag is a comparison
    of its own columns: no probe, no window, one range scan of the period
    grouped by therapist. A client is counted on the one visit that is their
    first of the period in (start, id) order ("prior" before the start), so
    no DISTINCT is needed; its flags are those of every visit at that
    instant. "First in the period" for retention is the strict one (a visit
    at the same instant is not before): over everyone it is that counted
    visit; within one therapist's visits, their counted visit when no one
    saw the client earlier. With a location, both look back at it only.
    """
    here = "here_" if location is not None else ""
    rebook_closed = Q(starts_at__lte=now - REBOOK_WINDOW)
    retention_closed = Q(starts_at__lte=now - RETENTION_WINDOW)

    def none_since_start(column):
        return Q(**{f"{column}__isnull": True}) | Q(**{f"{column}__lt": start})

    new = Q(first_visit_at__gte=start)
    rebooked = rebook_closed & Q(next_booked_at__lte=F("starts_at") + REBOOK_WINDOW)
    seen_again = Q(next_visit_at__lte=F("starts_at") + RETENTION_WINDOW)
    with_therapist = none_since_start(f"prior_{here}with_therapist_at")
    if therapist is None:
        overall = first_overall = none_since_start(f"prior_{here}at" if here else "prior_at")
    else:
        strict = none_since_start(f"prev_{here}at" if here else "prev_visit_at")
        overall, first_overall = with_therapist, with_therapist & strict

    def count(condition):
        return Count("pk", filter=condition)

    visits = ClientVisit.objects.filter(starts_at__gte=start, starts_at__lt=end)
    if location is not None:
        visits = visits.filter(location=location)
    if therapist is not None:
        visits = visits.filter(therapist=therapist)
    rows = (
        visits.order_by()
        .values("therapist_id")
        .annotate(
            clients=count(with_therapist),
            new=count(with_therapist & new),
            visits=count(rebook_closed),
            visit_clients=count(with_therapist & rebook_closed),
            rebooked=count(rebooked),
            firsts=count(with_therapist & retention_closed),
            returned=count(with_therapist & retention_closed & seen_again),
            all_clients=count(overall),
            all_new=count(overall & new),
            all_visit_clients=count(overall & rebook_closed),
            all_firsts=count(first_overall & retention_closed),
            all_returned=count(first_overall & retention_closed & seen_again),
        )
    )
    counted = []
    everyone = dict.fromkeys(_COUNT_NAMES, 0)
    for row in rows:
        counted.append((row["therapist_id"], {name: row[name] for name in _COUNT_NAMES}))
        for name in _COUNT_NAMES:
            everyone[name] += row[name if name in ("visits", "rebooked") else f"all_{name}"]
    return [*counted, (None, everyone)]


def _probe_counts(**chosen):
    """The three tables' counts per therapist (and None: everyone) from `_visit_rows`."""
    visits, params = _visit_rows(**chosen).query.sql_with_params()
    sql = CLIENTS_REPORT_SQL.format(
        visits=visits,
        counts_with_therapist=_COUNTS.format(first="first_with_therapist"),
        counts_overall=_COUNTS.format(first="first_in_period"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(row[0], dict(zip(_COUNT_NAMES, row[1:], strict=True))) for row in cursor]


# The reference's counts of the three tables per therapist and over everyone,
# from the probes' flags computed once: the CTE is read twice, so PostgreSQL
# runs its probes once (a CTE named twice is materialised). Distinct clients
# do not add up across therapists (a client can see two), hence the second
# SELECT.
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


def clients_report(*, start, end, location=None, therapist=None, now=None, probes=None) -> dict:
    """New and returning clients, rebooking and retention: the clients report's three tables.

    New: the client's first visit ever was in the period. Rebooked: a visit
    followed by a next (not cancelled) appointment within 6 weeks, counted
    over visits whose 6 weeks have passed (a visit last week may still be
    rebooked). Retained: seen again (by anyone) within 90 days of their first
    visit in the period (with that therapist on a therapist's row), over
    clients whose 90 days have passed. Two queries, over the visit summary
    where `summarised()`; `probes=True` asks the appointments themselves
    instead (SQLite, and the reference the summary is tested against).
    """
    now = now or timezone.now()
    chosen = {"start": start, "end": end, "location": location, "therapist": therapist, "now": now}
    if probes is None:
        probes = not summarised()
    counted = (_probe_counts if probes else _summary_counts)(**chosen)
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


def _contacted(*, client, visit_at):
    """Whether a contact mark came since the client's last visit (`client`,
    `visit_at`: the outer query's columns).

    A mark from before the last visit was for an earlier lapse. Clients never
    marked are told apart first, by one hashed IN over the marks, so CASE
    probes neither their marks nor their last visit again: the probes for all
    9,600 due clients of the bench practice made the page half as slow again.
    """
    latest_contact = RecallContact.objects.filter(client=OuterRef(client)).order_by("-contacted_at")
    return Case(
        When(~Q(**{f"{client}__in": RecallContact.objects.values("client_id")}), then=Value(False)),
        When(
            GreaterThan(Subquery(latest_contact.values("contacted_at")[:1]), F(visit_at)),
            then=Value(True),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def _due_visits(*, clients, now, lapsed, location, therapist):
    """The latest visit (at the location) of each due client, from the visit summary.

    Read from the summary's side: its partial index in the list's order, so
    the page is a walk of that index down to its fifty rows and the count an
    index-only scan. Archived clients are few: they are left out by a hashed
    NOT IN over their own partial index rather than a join to every client
    (120,000 at the chain's scale). A scope narrower than every client (a
    therapist's own) is a semi-join.
    """
    if location is None:
        visits = ClientVisit.objects.filter(latest=True)
    else:
        visits = ClientVisit.objects.filter(latest_here=True, location=location)
    visits = visits.filter(
        starts_at__gte=now - RECALL_HORIZON,
        starts_at__lt=lapsed,
        # Nothing that holds time since: a visit, a booking or a request.
        last_active_at__lt=lapsed,
    ).exclude(client_id__in=Client.objects.filter(archived=True).values("pk"))
    if therapist is not None:
        visits = visits.filter(therapist_id=therapist.pk)
    if clients.query.has_filters():
        visits = visits.filter(client_id__in=clients.values("pk"))
    return visits.alias(marked=_contacted(client="client_id", visit_at="starts_at"))


# The list's order after "contacted": most recently lapsed first, then by name.
_RECALL_ORDER = ("-starts_at", "client__last_name", "client__first_name", "client_id")
_CLIENT_FIELDS = tuple(field.attname for field in Client._meta.concrete_fields)


class DueClients:
    """The recall list from the visit summary: what the paginator and the CSV
    read (`count()`, slices, iteration), clients in the list's order with
    `last_visit`, `last_therapist_id` and `contacted`.

    Sorting on "contacted" first made PostgreSQL join and sort every due
    client (9,600 of the large practice, some 40,000 of the chain) for a page
    of fifty. The waiting clients and the contacted ones are two walks of the
    summary's index in the same order instead, each cut to its share of the
    page and read together in one UNION ALL; one count says where the
    waiting ones end.
    """

    def __init__(self, visits, *, contact):
        self._visits = visits
        self._contact = contact
        self._counts = None

    def _sizes(self) -> tuple[int, int]:
        """(waiting, contacted) within the contact filter."""
        if self._counts is None:
            # Of client_id, not the primary key: the index holds every column asked.
            counts = self._visits.aggregate(
                total=Count("client_id"), contacted=Count("client_id", filter=Q(marked=True))
            )
            waiting = counts["total"] - counts["contacted"]
            self._counts = (
                0 if self._contact == CONTACT_DONE else waiting,
                0 if self._contact == CONTACT_WAITING else counts["contacted"],
            )
        return self._counts

    def count(self) -> int:
        return sum(self._sizes())

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[: self.count()])

    def _part(self, marked: bool, start: int, stop: int):
        return (
            self._visits.filter(marked=marked)
            .annotate(contacted=Value(marked))
            .order_by(*_RECALL_ORDER)
            .values_list(
                "contacted",
                "starts_at",
                "therapist_id",
                *(f"client__{name}" for name in _CLIENT_FIELDS),
            )[start:stop]
        )

    def __getitem__(self, index: slice) -> list:
        start, stop = index.start or 0, index.stop
        waiting, contacted = self._sizes()
        parts = []
        if start < waiting:
            parts.append(self._part(False, start, min(stop, waiting)))
        if stop > waiting and contacted:
            parts.append(self._part(True, max(start - waiting, 0), stop - waiting))
        if not parts:
            return []
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        if len(parts) > 1:
            # Each part comes in order; the union is put back in order (at
            # most a page of rows) rather than trusted to keep it.
            rows = rows.order_by(
                "contacted", "-starts_at", "client__last_name", "client__first_name", "client__id"
            )
        due = []
        for contacted_flag, last_visit, therapist_id, *values in rows:
            client = Client.from_db(connection.alias, _CLIENT_FIELDS, values)
            client.contacted, client.last_visit = contacted_flag, last_visit
            client.last_therapist_id = therapist_id
            due.append(client)
        return due


def _latest_visits_by_probes(due, *, now, lapsed, location):
    """The latest visit (at the location) from the appointments themselves
    (SQLite; the reference `_due_visits` is tested against)."""
    visits = Appointment.objects.filter(client=OuterRef("pk"), status__in=VISITED)
    if location is not None:
        visits = visits.filter(location=location)
    last_visit = visits.order_by("-starts_at", "-pk")
    return (
        due.filter(Exists(visits.filter(starts_at__gte=now - RECALL_HORIZON, starts_at__lt=lapsed)))
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
            last_therapist_id=Subquery(last_visit.values("therapist_id")[:1]),
        )
    )


def recall_list(
    *,
    clients,
    now=None,
    weeks=DEFAULT_RECALL_WEEKS,
    location=None,
    therapist=None,
    contact=CONTACT_ANY,
    probes=None,
):
    """Clients due for a visit with none booked, most recently lapsed first.

    Due: a visit within the last year, none in the last `weeks`, and nothing
    booked since then or ahead (a no-show since does not count as seen).
    `clients` is the caller's scope (a therapist's own clients); `therapist`
    keeps those last seen by them. Returns what the view pages (a
    `DueClients`, or with `probes` a queryset) of clients annotated with the
    last visit, its therapist's id and whether a contact mark came since that
    visit (`contacted`); `recall_details` adds what the rows shown say beyond
    that. Clients already contacted sink below the others; `contact` keeps
    only those waiting for a call, or only those contacted. `probes` as for
    `clients_report`.
    """
    now = now or timezone.now()
    lapsed = now - timedelta(weeks=weeks)
    if probes is None:
        probes = not summarised()
    if not probes:
        visits = _due_visits(
            clients=clients, now=now, lapsed=lapsed, location=location, therapist=therapist
        )
        return DueClients(visits, contact=contact)
    due = _latest_visits_by_probes(
        clients.filter(archived=False), now=now, lapsed=lapsed, location=location
    )
    if therapist is not None:
        due = due.filter(last_therapist_id=therapist.pk)
    due = due.annotate(contacted=_contacted(client="pk", visit_at="last_visit"))
    if contact == CONTACT_WAITING:
        due = due.filter(contacted=False)
    elif contact == CONTACT_DONE:
        due = due.filter(contacted=True)
    return due.order_by("contacted", F("last_visit").desc(), "last_name", "first_name", "pk")


def recall_details(clients_due) -> None:
    """What each shown row says beyond the list's order, in three queries for the lot.

    `client.last_therapist` (the name), `client.active_plan` (a treatment plan
    still active) and `client.contact` (`recall_contacts`). Asked for the
    rows shown only: as columns of the list, PostgreSQL worked them out for
    every due client before sorting (9,600 on the large practice).
    """
    clients_due = list(clients_due)
    names = dict(
        Therapist.objects.filter(
            pk__in={client.last_therapist_id for client in clients_due}
        ).values_list("pk", "display_name")
    )
    planned = set(
        TreatmentPlan.objects.filter(
            client__in=[client.pk for client in clients_due], status=TreatmentPlan.Status.ACTIVE
        ).values_list("client_id", flat=True)
    )
    for client in clients_due:
        client.last_therapist = names.get(client.last_therapist_id)
        client.active_plan = client.pk in planned
    recall_contacts(clients_due)


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
