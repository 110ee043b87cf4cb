"""Invariant checks run against a (generated or load-tested) database."""

from django.db import connection

from practice.models import Appointment

ACTIVE = [str(status) for status in Appointment.ACTIVE_STATUSES]

# Active appointments that start before an earlier one on the same resource
# has ended (occupied time: session plus buffer), i.e. whose range
# [starts_at, occupied_until) overlaps an earlier one. One sort per resource, so
# it stays fast on 400,000 rows where a self-join would compare every pair.
_OVERLAPS = """
SELECT count(*)
  FROM (SELECT starts_at,
               max(occupied_until) OVER (
                   PARTITION BY {column} ORDER BY starts_at, id
                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ) AS busy_until
          FROM practice_appointment
         WHERE status = ANY(%s) AND {column} IS NOT NULL) AS ordered
 WHERE starts_at < busy_until
"""


def double_bookings() -> dict[str, int]:
    """Count active appointments overlapping an earlier one, per therapist and per room."""
    counts = {}
    with connection.cursor() as cursor:
        for resource, column in (("therapist", "therapist_id"), ("room", "room_id")):
            cursor.execute(_OVERLAPS.format(column=column), [ACTIVE])
            counts[resource] = cursor.fetchone()[0]
    return counts


def booked_since(moment) -> int:
    """Appointments booked at or after `moment` (the load test's successful bookings)."""
    return Appointment.objects.filter(booked_at__gte=moment).count()
