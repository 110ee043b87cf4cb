"""A GiST index on each appointment's session span, for the calendars.

Used by `Appointment.objects.between(start, end)` (day and week calendars):
`tstzrange(starts_at, ends_at, '[)') && tstzrange(start, end)`. PostgreSQL
only; SQLite, the first-run default, keeps the plain comparison.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS appointment_span ON practice_appointment "
    "USING gist (tstzrange(starts_at, ends_at, '[)'))"
)
DROP = "DROP INDEX IF EXISTS appointment_span"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("practice", "0102_calendar_feed")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
