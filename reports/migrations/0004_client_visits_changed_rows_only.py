"""The visit summary's triggers write only the rows that differ from what a
rebuild derives, and the client's latest appointment that holds time is kept
on their latest rows only (the ones the recall list joins).

Rendered by `reports.visits.trigger_sql` when this migration was written
(`tests/reports/test_client_visits.py` checks they still match); then the
rows of the appointments already there are written once, by a rebuild.
Backwards, every row gets `last_active_at` back from the client's latest row.
"""

from importlib import import_module

from django.db import migrations, models

POSTGRESQL = """
CREATE FUNCTION client_visits_write(clients uuid[]) RETURNS void AS $$
BEGIN
    -- Two writes for one client at once would each compare with the rows they
    -- see and insert the same visits: the second waits here, then reads the
    -- first's appointments (a new snapshot per statement). No KEY lock, so
    -- the appointment inserts' checks of the client go on.
    PERFORM 1 FROM clients_client WHERE id = ANY(clients) ORDER BY id FOR NO KEY UPDATE;
    WITH derived AS (
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
        MIN(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id) AS first_visit_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING) AS prev_visit_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.location_id ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING) AS prev_here_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.location_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_here_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.therapist_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            AS prior_with_therapist_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.therapist_id, a.location_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            AS prior_here_with_therapist_at,
        MIN(CASE WHEN a.status NOT IN ('cancelled', 'requested') THEN a.starts_at END)
            OVER (PARTITION BY a.client_id ORDER BY a.starts_at DESC RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING) AS next_booked_at,
        MIN(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at DESC RANGE BETWEEN UNBOUNDED PRECEDING AND '1 microsecond' PRECEDING) AS next_visit_at,
        MAX(CASE WHEN a.status IN ('requested', 'booked', 'confirmed', 'checked_in', 'completed') THEN a.starts_at END)
            OVER (PARTITION BY a.client_id) AS last_active_at,
        ROW_NUMBER() OVER (PARTITION BY a.client_id ORDER BY CASE WHEN a.status IN ('checked_in', 'completed') THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC) AS latest_rank,
        ROW_NUMBER() OVER (PARTITION BY a.client_id, a.location_id ORDER BY CASE WHEN a.status IN ('checked_in', 'completed') THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC)
            AS latest_here_rank
    FROM practice_appointment a
    WHERE a.client_id = ANY(clients)
) w
WHERE status IN ('checked_in', 'completed')
), gone AS (
    DELETE FROM reports_clientvisit v
    WHERE v.client_id = ANY(clients)
        AND NOT EXISTS (SELECT 1 FROM derived d WHERE d.appointment_id = v.appointment_id)
), changed AS (
    UPDATE reports_clientvisit v SET (client_id, therapist_id, location_id, starts_at, first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at, prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at, last_active_at, latest, latest_here) = (d.client_id, d.therapist_id, d.location_id, d.starts_at, d.first_visit_at, d.prev_visit_at, d.prev_here_at, d.prior_at, d.prior_here_at, d.prior_with_therapist_at, d.prior_here_with_therapist_at, d.next_booked_at, d.next_visit_at, d.last_active_at, d.latest, d.latest_here)
    FROM derived d
    WHERE d.appointment_id = v.appointment_id AND (v.client_id, v.therapist_id, v.location_id, v.starts_at, v.first_visit_at, v.prev_visit_at, v.prev_here_at, v.prior_at, v.prior_here_at, v.prior_with_therapist_at, v.prior_here_with_therapist_at, v.next_booked_at, v.next_visit_at, v.last_active_at, v.latest, v.latest_here) IS DISTINCT FROM (d.client_id, d.therapist_id, d.location_id, d.starts_at, d.first_visit_at, d.prev_visit_at, d.prev_here_at, d.prior_at, d.prior_here_at, d.prior_with_therapist_at, d.prior_here_with_therapist_at, d.next_booked_at, d.next_visit_at, d.last_active_at, d.latest, d.latest_here)
)
INSERT INTO reports_clientvisit (appointment_id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    last_active_at, latest, latest_here)
SELECT d.appointment_id, d.client_id, d.therapist_id, d.location_id, d.starts_at, d.first_visit_at, d.prev_visit_at, d.prev_here_at, d.prior_at, d.prior_here_at, d.prior_with_therapist_at, d.prior_here_with_therapist_at, d.next_booked_at, d.next_visit_at, d.last_active_at, d.latest, d.latest_here FROM derived d
WHERE NOT EXISTS (SELECT 1 FROM reports_clientvisit v WHERE v.appointment_id = d.appointment_id);
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
        SELECT o.client_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.client_id IS DISTINCT FROM n.client_id OR o.therapist_id IS DISTINCT FROM n.therapist_id OR o.location_id IS DISTINCT FROM n.location_id OR o.starts_at IS DISTINCT FROM n.starts_at OR o.status IS DISTINCT FROM n.status
        UNION
        SELECT n.client_id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.client_id IS DISTINCT FROM n.client_id OR o.therapist_id IS DISTINCT FROM n.therapist_id OR o.location_id IS DISTINCT FROM n.location_id OR o.starts_at IS DISTINCT FROM n.starts_at OR o.status IS DISTINCT FROM n.status
    );
BEGIN
    IF cardinality(clients) > 0 THEN
        PERFORM client_visits_write(clients);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER client_visits_inserted AFTER INSERT ON practice_appointment
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION client_visits_inserted();
CREATE TRIGGER client_visits_updated AFTER UPDATE ON practice_appointment
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION client_visits_updated();
CREATE TRIGGER client_visits_deleted AFTER DELETE ON practice_appointment
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION client_visits_deleted();
"""

POSTGRESQL_DROP = """DROP TRIGGER IF EXISTS client_visits_inserted ON practice_appointment;
DROP TRIGGER IF EXISTS client_visits_updated ON practice_appointment;
DROP TRIGGER IF EXISTS client_visits_deleted ON practice_appointment;
DROP FUNCTION IF EXISTS client_visits_inserted();
DROP FUNCTION IF EXISTS client_visits_updated();
DROP FUNCTION IF EXISTS client_visits_deleted();
DROP FUNCTION IF EXISTS client_visits_write(uuid[]);"""

REFILLED = """UPDATE reports_clientvisit v SET last_active_at = l.last_active_at
FROM reports_clientvisit l
WHERE l.client_id = v.client_id AND l.latest AND v.last_active_at IS NULL"""


def _previous():
    return import_module("reports.migrations.0003_client_visits_triggers")


def forward(apps, schema_editor):
    from reports.visits import client_visits_rebuild

    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_previous().POSTGRESQL_DROP, params=None)
        schema_editor.execute(POSTGRESQL, params=None)
        client_visits_rebuild()


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)
        schema_editor.execute(_previous().POSTGRESQL, params=None)
        schema_editor.execute(REFILLED, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_client_visits_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clientvisit",
            name="last_active_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
