"""Each booking writes its reminder rows into as few indexes as its queries need."""

from django.db import connection

from practice.models import Reminder


def test_reminders_by_appointment_use_the_unique_index_alone(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Reminder._meta.db_table)
    indexed = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    # The unique (appointment, channel, kind) index leads with the appointment...
    assert ["appointment_id", "channel", "kind"] in indexed
    # ...so no index of the appointment alone is written by every booking too.
    assert ["appointment_id"] not in indexed
