"""PostgreSQL's triggers that keep the visit summary with every appointment write.

Rendered by `reports.visits.trigger_sql` when this migration was written
(0004 replaced them, and writes the rows of the appointments already
there). SQLite keeps no summary: its reports read the appointments
themselves.
"""

from django.db import migrations

POSTGRESQL = """
CREATE FUNCTION client_visits_write(clients uuid[]) RETURNS void AS $$
BEGIN
    -- Two writes for one client at once would each delete the rows they see
    -- and insert the same visits: the second waits here, then reads the
    -- first's appointments (a new snapshot per statement). No KEY lock, so
    -- the appointment inserts' checks of the client go on.
    PERFORM 1 FROM clients_client WHERE id = ANY(clients) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM reports_clientvisit WHERE client_id = ANY(clients);
    INSERT INTO reports_clientvisit (appointment_id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    last_active_at, latest, latest_here)
SELECT id, client_id, therapist_id, location_id, starts_at,
    first_visit_at, prev_visit_at, prev_here_at, prior_at, prior_here_at,
    prior_with_therapist_at, prior_here_with_therapist_at, next_booked_at, next_visit_at,
    last_active_at, latest_rank = 1, latest_here_rank = 1
FROM (
    SELECT a.id, a.client_id, a.therapist_id, a.location_id, a.starts_at, a.status,
        MIN(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id) AS first_visit_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS prev_visit_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.location_id ORDER BY a.starts_at RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE GROUP) AS prev_here_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.location_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_here_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.therapist_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            AS prior_with_therapist_at,
        MAX(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id, a.therapist_id, a.location_id ORDER BY a.starts_at, a.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
            AS prior_here_with_therapist_at,
        MIN(CASE WHEN a.status NOT IN ('cancelled', 'requested') THEN a.starts_at END)
            OVER (PARTITION BY a.client_id ORDER BY a.starts_at RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP) AS next_booked_at,
        MIN(CASE WHEN a.status IN ('checked_in', 'completed') THEN a.starts_at END) OVER (PARTITION BY a.client_id ORDER BY a.starts_at RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP) AS next_visit_at,
        MAX(CASE WHEN a.status IN ('requested', 'booked', 'confirmed', 'checked_in', 'completed') THEN a.starts_at END)
            OVER (PARTITION BY a.client_id) AS last_active_at,
        ROW_NUMBER() OVER (PARTITION BY a.client_id ORDER BY CASE WHEN a.status IN ('checked_in', 'completed') THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC) AS latest_rank,
        ROW_NUMBER() OVER (PARTITION BY a.client_id, a.location_id ORDER BY CASE WHEN a.status IN ('checked_in', 'completed') THEN 0 ELSE 1 END, a.starts_at DESC, a.id DESC)
            AS latest_here_rank
    FROM practice_appointment a
    WHERE a.client_id = ANY(clients)
) w
WHERE status IN ('checked_in', 'completed');
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


def forward(apps, schema_editor):
    # The rows are written by 0004's rebuild: today's code writes the columns
    # as 0004 left them, which this migration's table does not accept.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_client_visits"),
        ("practice", "0111_appointment_composite_indexes_only"),
    ]

    operations = [migrations.RunPython(forward, backward)]
