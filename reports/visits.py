"""The visit summary (ClientVisit): written here and only here.

The clients report and the recall list asked every visit of a period about
the client's other appointments (their next booking, their next visit, their
earlier visits); at the chain's scale (1.6 million appointments) that window
over a year of appointments took 2.8 s, and the recall list's probes per
client 1.2 s. The answers change only when one of the client's appointments
does, so they are kept per visit: one statement derives a client's rows from
their appointments, run by a trigger for the client of every appointment
written (in that write's transaction, so the reports are never stale) and
by the nightly rebuild over everyone: an incremental update cannot drift
from a rebuild, because they are the same statement.
"""

from contextlib import contextmanager

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
# PostgreSQL: the same rows, as the frame ending a microsecond (its
# timestamps' resolution) before the current start, "after" in reverse
# order. A frame whose start never moves is aggregated row by row as it
# grows; with EXCLUDE, or a moving start, MIN and MAX are recomputed over the
# whole frame for every row, quadratic in the client's appointments: the
# large practice's busiest client's 555 took 262-277 ms, 22-42 this way
# (side by side, on a loaded machine).
_FRAMES = {
    "postgresql": (
        "ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING",
        "ORDER BY a.starts_at DESC RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING",
    ),
}
# The rows before the current one in (start, id) order: ties broken, once.
_PRIOR = "ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
_LATEST_FIRST = "ORDER BY CASE WHEN {visited} THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC"

# A visit row's columns, the key first.
_COLUMNS = (
    "appointment_id, client_id, therapist_id, location_id, starts_at,\n"
    "    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,\n"
    "    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,\n"
    "    last_active_at, latest, latest_here"
)

_VISITS_SELECT = """
SELECT id AS appointment_id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    -- Client-wide, but read on their latest rows only (the recall list): kept
    -- there alone, a booking later than all the others rewrites those rows,
    -- not every visit of the client.
    CASE WHEN latest_rank = 1 OR latest_here_rank = 1 THEN last_active_at END AS last_active_at,
    latest_rank = 1 AS latest, latest_here_rank = 1 AS latest_here
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


def visits_select(*, where: str = "", order: str = "", vendor: str | None = None) -> str:
    """The visit rows (`_COLUMNS`) of the appointments `where` selects (alias `a`),
    in the SQL of `vendor` (the default connection's by default)."""
    visited = f"a.status IN ({_quoted(VISITED)})"
    before, after = _FRAMES.get(vendor or connection.vendor, (_BEFORE, _AFTER))
    return _VISITS_SELECT.format(
        appointment=Appointment._meta.db_table,
        visit_at=f"CASE WHEN {visited} THEN a.starts_at END",
        visited=_quoted(VISITED),
        not_rebooked=_quoted(NOT_REBOOKED),
        active=_quoted(Appointment.ACTIVE_STATUSES),
        before=before,
        after=after,
        prior=_PRIOR,
        latest_first=_LATEST_FIRST.format(visited=visited),
        where=where,
        order=order,
    ).strip()


def visits_sql(*, where: str = "", order: str = "") -> str:
    """The INSERT of the visit rows of the appointments `where` selects (alias `a`)."""
    select = visits_select(where=where, order=order)
    return f"INSERT INTO {ClientVisit._meta.db_table} ({_COLUMNS})\n{select}"


def visits_write_sql(*, clients: str) -> str:
    """One statement that leaves `clients`' rows as `visits_sql` would write them,
    writing only the rows that differ.

    Deleting and inserting all of a client's rows wrote every row and its
    index entries again on each write, while a booking, check-in or
    cancellation changes a few: the new visit, the visit just before it (its
    "next"), the latest ones.
    The rows are derived as the rebuild derives them, then compared column by
    column: an incremental write cannot drift from a rebuild. The three parts
    touch disjoint rows and see the table as the statement found it.
    """
    visit = ClientVisit._meta.db_table
    names = [c.strip() for c in _COLUMNS.split(",")]
    values = ", ".join(names[1:])
    fresh = ", ".join(f"d.{c}" for c in names[1:])
    kept = ", ".join(f"v.{c}" for c in names[1:])
    select = visits_select(where=f"WHERE a.client_id = ANY({clients})", vendor="postgresql")
    return f"""WITH derived AS (
{select}
), gone AS (
    DELETE FROM {visit} v
    WHERE v.client_id = ANY({clients})
        AND NOT EXISTS (SELECT 1 FROM derived d WHERE d.appointment_id = v.appointment_id)
), changed AS (
    UPDATE {visit} v SET ({values}) = ({fresh})
    FROM derived d
    WHERE d.appointment_id = v.appointment_id AND ({kept}) IS DISTINCT FROM ({fresh})
)
INSERT INTO {visit} ({_COLUMNS})
SELECT d.appointment_id, {fresh} FROM derived d
WHERE NOT EXISTS (SELECT 1 FROM {visit} v WHERE v.appointment_id = d.appointment_id)"""  # noqa: S608 (table names and model constants only)


# What an appointment write changes for its client, and only then: the
# columns the rows are derived from.
_WATCHED = "client_id, therapist_id, location_id, starts_at, status"
_TRIGGERS = ("client_visits_inserted", "client_visits_updated", "client_visits_deleted")


def trigger_sql() -> tuple[str, str]:
    """(create, drop) of PostgreSQL's triggers that keep the summary with every appointment write.

    Triggers, not calls from the services: every write reaches the summary in
    its own transaction whatever made it (a service, an import, a queryset
    update, the admin), and the booking POST, at its 15-query budget, spends
    no query on it. The migrations hold these statements as they were
    rendered; a test compares them with the rendering of today's code.
    """
    client = Client._meta.db_table
    table = Appointment._meta.db_table
    # Per statement, over its transition tables: a bulk insert of a
    # client's history rewrites their rows once, not once per row.
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in _WATCHED.split(", "))
    create = f"""
CREATE FUNCTION client_visits_write(clients uuid[]) RETURNS void AS $$
BEGIN
    -- Two writes for one client at once would each compare with the rows they
    -- see and insert the same visits: the second waits here, then reads the
    -- first's appointments (a new snapshot per statement). No KEY lock, so
    -- the appointment inserts' checks of the client go on.
    PERFORM 1 FROM {client} WHERE id = ANY(clients) ORDER BY id FOR NO KEY UPDATE;
    {visits_write_sql(clients="clients")};
END $$ LANGUAGE plpgsql;

CREATE FUNCTION client_visits_inserted() RETURNS trigger AS $$
BEGIN
    PERFORM client_visits_write(ARRAY(SELECT DISTINCT client_id FROM new_rows));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE FUNCTION client_visits_deleted() RETURNS trigger AS $$
BEGIN
    PERFORM client_visits_write(ARRAY(SELECT DISTINCT client_id FROM old_rows));
    RETURN NULL;
END $$ LANGUAGE plpgsql;

-- Only rows whose derived-from columns changed: a reminder's sequence bump
-- or a note's link to the appointment rewrites nothing.
CREATE FUNCTION client_visits_updated() RETURNS trigger AS $$
DECLARE
    clients uuid[] := ARRAY(
        SELECT o.client_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}
        UNION
        SELECT n.client_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed}
    );
BEGIN
    IF cardinality(clients) > 0 THEN
        PERFORM client_visits_write(clients);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER client_visits_inserted AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_visits_inserted();
CREATE TRIGGER client_visits_updated AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION client_visits_updated();
CREATE TRIGGER client_visits_deleted AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION client_visits_deleted();
"""  # noqa: S608 (table names and model constants only)
    drop = "\n".join(
        [
            *(f"DROP TRIGGER IF EXISTS {name} ON {table};" for name in _TRIGGERS),
            *(f"DROP FUNCTION IF EXISTS {name}();" for name in _TRIGGERS),
            "DROP FUNCTION IF EXISTS client_visits_write(uuid[]);",
        ]
    )
    return create, drop


@contextmanager
def client_visits_paused():
    """PostgreSQL: appointments inserted inside skip the trigger; rebuild after them.

    For a bulk load (the bench generator's COPY of 1.6 million
    appointments), where one refresh per row would rewrite each client's
    rows once per appointment. Inside the caller's transaction.
    """
    table = Appointment._meta.db_table
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred foreign-key checks are
        # pending: check them as each statement ends from here on.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER client_visits_inserted")
        yield
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER client_visits_inserted")


def client_visits_rebuild() -> int:
    """Rebuild the whole summary from the appointments; returns the number of visits.

    One transaction, so the reports see the old rows or the new, never none.
    Repairs what the triggers never saw: the bench generator's COPY (which
    writes with them disabled), rows edited by hand.

    On PostgreSQL the transaction first locks the summary IN EXCLUSIVE MODE:
    the reports go on reading the old rows (ACCESS SHARE does not conflict),
    but an appointment write made meanwhile waits in its trigger, whose
    statement writes the summary (ROW EXCLUSIVE), until the rebuild commits
    (its statement takes about 7 s on the large practice's 400,000
    appointments; migrating the chain's 1.6 million to 0004, a rebuild, took
    84 s). The trigger's derivation and its writes are one statement, whose
    snapshot is taken once it holds the lock (READ COMMITTED, a volatile
    function), so it compares with the rebuilt rows and its own
    transaction's appointments. Without the lock it compared with the old
    rows the rebuild was deleting and could leave the client's rows stale.
    A write whose trigger got there first holds ROW EXCLUSIVE to its commit:
    the rebuild waits for it, then derives from its appointments.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # First, before the rebuild holds anything a write could wait on.
                cursor.execute(f"LOCK TABLE {ClientVisit._meta.db_table} IN EXCLUSIVE MODE")
                # Eight window sorts over every appointment: in memory, not on disk.
                cursor.execute("SET LOCAL work_mem = '256MB'")
        ClientVisit.objects.all()._raw_delete(connection.alias)
        with connection.cursor() as cursor:
            # Written in time order, the table's pages follow the period index:
            # a year of visits is then a run of pages, not one page per visit.
            cursor.execute(visits_sql(order="ORDER BY starts_at"))
            if connection.vendor == "postgresql":
                # Plan the reports on the new rows' statistics, not an empty table's.
                cursor.execute(f"ANALYZE {ClientVisit._meta.db_table}")
        return ClientVisit.objects.count()


# Clients per transaction of the nightly refresh: a write for one of them
# waits for that transaction only. At the chain (load 5, beside a test run):
# 250 a chunk took 118 ms median, 187 at p95, 607 at most, 61 s in all;
# 500 took 270-470 ms each.
REFRESH_CHUNK = 250


def client_visits_refresh(chunk: int = REFRESH_CHUNK) -> int:
    """The nightly repair: every client's rows through the triggers' own
    `client_visits_write`, a chunk of clients per transaction; returns the
    number of visits.

    The full rebuild holds the summary's table lock to its commit, and at
    the chain's 1.6 million appointments that made every booking of the
    night wait over a minute (past a worker's timeout). Here a chunk locks
    its clients' rows as a trigger does, so a write for one of them takes
    its turn with that chunk's transaction and nobody else's, and rows
    that already match are left alone. A client's rows are old or new,
    never missing. Other databases keep no summary.
    """
    if connection.vendor != "postgresql":
        return 0
    # Every client, with or without appointments: a client whose
    # appointments were all deleted by hand may still hold rows.
    ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT client_visits_write(%s::uuid[])", [ids[start : start + chunk]])
    return ClientVisit.objects.count()
