"""Invariant checks run against a (generated or load-tested) database."""

from django.db import connection

from practice.models import Appointment

ACTIVE = tuple(str(status) for status in Appointment.ACTIVE_STATUSES)

# Pairs of active appointments whose occupied time overlaps, on one resource.
# The exclusion constraints forbid these; this checks that they really held.
_OVERLAPS = """
SELECT count(*)
  FROM practice_appointment a
  JOIN practice_appointment b
    ON a.{column} = b.{column}
   AND a.id < b.id
   AND tstzrange(a.starts_at, a.occupied_until) && tstzrange(b.starts_at, b.occupied_until)
 WHERE a.status = ANY(%s) AND b.status = ANY(%s)
"""


def double_bookings() -> dict[str, int]:
    """Count overlapping active appointment pairs per therapist and per room."""
    counts = {}
    with connection.cursor() as cursor:
        for resource, column in (("therapist", "therapist_id"), ("room", "room_id")):
            cursor.execute(_OVERLAPS.format(column=column), [list(ACTIVE), list(ACTIVE)])
            counts[resource] = cursor.fetchone()[0]
    return counts
