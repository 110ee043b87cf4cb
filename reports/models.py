"""The reports app reads; its one table is the front desk's working note on the recall list."""

from auditlog.registry import auditlog
from django.conf import settings
from django.db import models
from django.utils import timezone

NOTE_LENGTH = 200


class RecallContact(models.Model):
    """Someone at the desk reached out (or tried) to a client due for a visit.

    It marks the client on the recall list while they stay due: a contact
    from before their latest visit belongs to an earlier lapse and is ignored.
    """

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="recall_contacts"
    )
    contacted_at = models.DateTimeField(default=timezone.now)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_LENGTH, blank=True)

    class Meta:
        indexes = [
            # The recall list's "latest contact of this client" probe, once per due client.
            models.Index(fields=["client", "-contacted_at"], name="recall_contact_latest"),
        ]

    def __str__(self):
        return f"Recall contact {self.contacted_at:%Y-%m-%d}"


auditlog.register(RecallContact)


# What the recall list asks of a latest visit beyond its start.
_DUE_COLUMNS = ["last_active_at", "client", "therapist"]


class ClientVisit(models.Model):
    """A visit (an appointment checked in or completed) with what the clients
    report and the recall list ask of it, read from the client's other
    appointments: written by `reports.visits` only.

    On PostgreSQL, triggers on appointments rewrite the client's rows in the
    transaction of every write; a nightly rebuild repairs what they never saw
    (SQLite keeps none: its reports read the appointments). The flags that depend
    on the period or on "now" are not stored: "before", "after" and "latest"
    are, so any period, location and therapist is still answered exactly.
    Ties: an appointment at the same instant is neither before nor after.
    """

    # No database constraints: the rows are rewritten per client (and all at
    # once nightly) from the appointments, never edited, and a million FK
    # checks would slow the rebuild down for nothing.
    appointment = models.OneToOneField(
        "practice.Appointment",
        primary_key=True,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="+",
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="report_visits",
    )
    therapist = models.ForeignKey(
        "practice.Therapist", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    location = models.ForeignKey(
        "practice.Location", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    starts_at = models.DateTimeField()
    # The client's first visit ever.
    first_visit_at = models.DateTimeField()
    # Their latest visit strictly before this one, anywhere and at this
    # location ("first in the period": none since the period's start).
    prev_visit_at = models.DateTimeField(null=True)
    prev_here_at = models.DateTimeField(null=True)
    # The visit before this one in (start, id) order, which may be at the
    # same instant: anywhere, at this location, with this therapist, with
    # them at this location. It makes one visit per client (or per client and
    # therapist) the first of a period, so the reports count clients without
    # a DISTINCT over the visits.
    prior_at = models.DateTimeField(null=True)
    prior_here_at = models.DateTimeField(null=True)
    prior_with_therapist_at = models.DateTimeField(null=True)
    prior_here_with_therapist_at = models.DateTimeField(null=True)
    # Their next appointment strictly after it that counts as a rebooking
    # (neither cancelled nor a pending request), and their next visit.
    next_booked_at = models.DateTimeField(null=True)
    next_visit_at = models.DateTimeField(null=True)
    # The start of the client's latest appointment that holds time (any
    # location): the recall list's "nothing booked since". Only on the rows
    # the recall list joins (latest, latest_here): on every row, a booking
    # after all the others rewrote each visit of the client.
    last_active_at = models.DateTimeField(null=True)
    # The client's latest visit (the latest id among visits at one instant),
    # overall and at this location.
    latest = models.BooleanField()
    latest_here = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["starts_at"], name="client_visit_period"),
            models.Index(fields=["client"], name="client_visit_client"),
            # The recall list, in its order: the page walks one of these two
            # to its rows, and the count reads nothing else (index only).
            models.Index(
                fields=["-starts_at"],
                condition=models.Q(latest=True),
                include=_DUE_COLUMNS,
                name="client_visit_due",
            ),
            models.Index(
                fields=["location", "-starts_at"],
                condition=models.Q(latest_here=True),
                include=_DUE_COLUMNS,
                name="client_visit_due_here",
            ),
        ]

    def __str__(self):
        return f"Visit {self.starts_at:%Y-%m-%d}"


class OutcomeFigures(models.Model):
    """The outcomes report's figures for one period, location and therapist, as last computed.

    Written by `reports.outcome_figures` only: a kept answer, not a record;
    rows older than a day are never shown and are dropped nightly.
    """

    # The period's instants and clock, the location's id and the therapist's
    # ('*': all): `reports.outcome_figures.key_of`, under 160 characters with
    # the longest zone name and 19-digit ids.
    key = models.CharField(max_length=200, unique=True)
    figures = models.JSONField()
    computed_at = models.DateTimeField()

    def __str__(self):
        return f"Outcome figures {self.key}"
