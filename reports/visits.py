"""The visit summary (ClientVisit): written here and only here.

The clients report and the recall list asked every visit of a period about
the client's other appointments (their next booking, their next visit, their
earlier visits); at the chain's scale (1.6 million appointments) that window
over a year of appointments took 2.8 s, and the recall list's probes per
client 1.2 s. The answers change only when one of the client's appointments
does, so they are kept per visit: one statement derives a client's rows from
their appointments, used both by every appointment service for the client
it has just changed (in that service's transaction, so the reports are never
stale) and by the nightly rebuild over everyone: an incremental update
cannot drift from a rebuild, because they are the same statement.
"""

from django.db import connection, transaction

from clients.models import Client
from practice.models import Appointment

from .models import ClientVisit

VISITED = (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED)
# A request still waiting for staff is not a booking yet (it may be declined or expire).
NOT_REBOOKED = (Appointment.Status.CANCELLED, Appointment.Status.REQUESTED)

# Window frames over a client's appointments in time order: the rows strictly
# before, or strictly after, the current one (EXCLUDE GROUP: an appointment at
# the same instant is neither). Plain SQL of both PostgreSQL and SQLite.
_BEFORE = "ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP"
_AFTER = "ORDER BY a.starts_at RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP"
# The rows before the current one in (start, id) order: ties broken, once.
_PRIOR = "ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
_LATEST_FIRST = "ORDER BY CASE WHEN {visited} THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC"

_VISITS_SQL = """
INSERT INTO {visit} (appointment_id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    last_active_at, latest, latest_here)
SELECT id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    last_active_at, latest_rank = 1, latest_here_rank = 1
FROM (
    SELECT a.id, a.client_id, a.therapist_id, a.location_id, a.starts_at, a.status,
        MIN({visit_at}) OVER (PARTITION BY a.client_id) AS first_visit_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id {before}) AS prev_visit_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id, a.location_id {before}) AS prev_here_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id {prior}) AS prior_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id, a.location_id {prior}) AS prior_here_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id, a.therapist_id {prior})
            AS prior_with_therapist_at,
        MAX({visit_at}) OVER (PARTITION BY a.client_id, a.therapist_id, a.location_id {prior})
            AS prior_here_with_therapist_at,
        MIN(CASE WHEN a.status NOT IN ({not_rebooked}) THEN a.starts_at END)
            OVER (PARTITION BY a.client_id {after}) AS next_booked_at,
        MIN({visit_at}) OVER (PARTITION BY a.client_id {after}) AS next_visit_at,
        MAX(CASE WHEN a.status IN ({active}) THEN a.starts_at END)
            OVER (PARTITION BY a.client_id) AS last_active_at,
        ROW_NUMBER() OVER (PARTITION BY a.client_id {latest_first}) AS latest_rank,
        ROW_NUMBER() OVER (PARTITION BY a.client_id, a.location_id {latest_first})
            AS latest_here_rank
    FROM {appointment} a
    {where}
) w
WHERE status IN ({visited})
{order}
"""


def _quoted(values) -> str:
    # Status names are the model's own constants, never user input.
    return ", ".join(f"'{value}'" for value in values)


def _write(client_ids=None) -> None:
    """Insert the summary rows of `client_ids` (of every client when None)."""
    visited = f"a.status IN ({_quoted(VISITED)})"
    params = {}
    where = order = ""
    if client_ids is not None:
        pk = Client._meta.pk
        names = []
        for i, client_id in enumerate(client_ids):
            params[f"client{i}"] = pk.get_db_prep_value(client_id, connection)
            names.append(f"%(client{i})s")
        where = f"WHERE a.client_id IN ({', '.join(names)})"
    else:
        # Written in time order, the table's pages follow the period index:
        # a year of visits is then a run of pages, not one page per visit.
        order = "ORDER BY starts_at"
    sql = _VISITS_SQL.format(
        visit=connection.ops.quote_name(ClientVisit._meta.db_table),
        appointment=connection.ops.quote_name(Appointment._meta.db_table),
        visit_at=f"CASE WHEN {visited} THEN a.starts_at END",
        visited=_quoted(VISITED),
        not_rebooked=_quoted(NOT_REBOOKED),
        active=_quoted(Appointment.ACTIVE_STATUSES),
        before=_BEFORE,
        after=_AFTER,
        prior=_PRIOR,
        latest_first=_LATEST_FIRST.format(visited=visited),
        where=where,
        order=order,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def client_visits_refresh(*, client_ids) -> None:
    """Rewrite the visit rows of these clients from their appointments as they are now.

    Called by every service that books, moves or changes the status of an
    appointment, inside its transaction: one delete and one insert, over the
    client's own appointments (their index), whatever changed.
    """
    client_ids = list(dict.fromkeys(client_ids))
    if not client_ids:
        return
    with transaction.atomic(savepoint=False):
        # Two writes for one client at once would each delete the rows they
        # see and insert the same visits: the second waits here instead. No
        # KEY lock, so the appointment inserts' checks of the client go on.
        list(
            Client.objects.select_for_update(no_key=True)
            .filter(pk__in=client_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ClientVisit.objects.filter(client_id__in=client_ids)._raw_delete(connection.alias)
        _write(client_ids)


def client_visits_rebuild() -> int:
    """Rebuild the whole summary from the appointments; returns the number of visits.

    One transaction, so the reports see the old rows or the new, never none.
    Repairs what no service saw: the bench generator's COPY, demo data, rows
    edited by hand.
    """
    with transaction.atomic():
        ClientVisit.objects.all()._raw_delete(connection.alias)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Eight window sorts over every appointment: in memory, not on disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        _write()
        if connection.vendor == "postgresql":
            # Plan the reports on the new rows' statistics, not an empty table's.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {ClientVisit._meta.db_table}")
        return ClientVisit.objects.count()
