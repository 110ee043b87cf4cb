"""The waitlist: who wants time, what time came free, and the offers made for it.

Models of the `practice` app (practice/models.py imports them), kept in their
own package beside the code that moves them.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from practice.waitlist import windows


class FreedTime(models.Model):
    """Time a therapist got back (a cancellation, a move, time off removed).

    Written in the same transaction as the change, like the reminder outbox:
    a lost task message only delays the offers, the next sweep finds the row.
    """

    class Reason(models.TextChoices):
        CANCELLATION = "cancellation", "Cancellation"
        MOVE = "move", "Move"
        TIME_OFF_REMOVED = "time_off_removed", "Time off removed"

    therapist = models.ForeignKey("practice.Therapist", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(
        "practice.Location", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="freedtime_ends_after_start"
            ),
        ]
        indexes = [
            # The sweep: rows not yet matched, oldest first.
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="freedtime_unprocessed",
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: therapist {self.therapist_id} from {self.starts_at}"


class WaitlistEntry(models.Model):
    """A client waiting for a service, with one therapist or anyone, in a window."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Offered"
        BOOKED = "booked", "Booked"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"

    # Entries still wanting time (matched against freed time).
    OPEN_STATUSES = (Status.WAITING, Status.OFFERED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    service = models.ForeignKey("practice.Service", on_delete=models.PROTECT, related_name="+")
    # Empty: any therapist who offers the service.
    therapist = models.ForeignKey(
        "practice.Therapist", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date_from = models.DateField()
    date_to = models.DateField()
    # Local weekdays wanted, Monday = "0" ... Sunday = "6"; empty: any day.
    weekdays = models.CharField(max_length=7, blank=True)
    # Times of day on the location's clock; none of them and no range: any time.
    morning = models.BooleanField(default=False)
    afternoon = models.BooleanField(default=False)
    evening = models.BooleanField(default=False)
    earliest_start = models.TimeField(null=True, blank=True)
    latest_start = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "online" when the client added it in the portal, else the desk.
    source = models.CharField(max_length=20, default="front_desk")
    appointment = models.ForeignKey(
        "practice.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__gte=models.F("date_from")),
                name="waitlistentry_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(earliest_start__isnull=True)
                | Q(latest_start__isnull=True)
                | Q(latest_start__gte=models.F("earliest_start")),
                name="waitlistentry_times_in_order",
            ),
        ]
        indexes = [
            # Matching freed time: open entries for a service, oldest first.
            models.Index(
                fields=["service", "created_at"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlistentry_open_service",
            ),
            # The portal's and the desk's lists: a client's entries.
            models.Index(fields=["client", "-created_at"], name="waitlistentry_client"),
        ]

    def __str__(self):
        return f"Waitlist: {self.client} for {self.service} ({self.get_status_display()})"

    @property
    def window(self) -> windows.Window:
        return windows.Window(
            date_from=self.date_from,
            date_to=self.date_to,
            weekdays=self.weekdays,
            morning=self.morning,
            afternoon=self.afternoon,
            evening=self.evening,
            earliest=self.earliest_start,
            latest=self.latest_start,
        )

    @property
    def when_wanted(self) -> str:
        return windows.describe(self.window)


class WaitlistOffer(models.Model):
    """A freed time offered to one entry; several entries may be offered the same time.

    The link token is stored only as its SHA-256. The first claim books through
    the booking service; the database's overlap constraint is what makes the
    first the only one.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Open"
        CLAIMED = "claimed", "Booked"
        TAKEN = "taken", "Taken by someone else"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    freed = models.ForeignKey(
        FreedTime, on_delete=models.SET_NULL, null=True, blank=True, related_name="offers"
    )
    therapist = models.ForeignKey("practice.Therapist", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("practice.Service", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("practice.Location", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.CharField(max_length=500, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    appointment = models.ForeignKey(
        "practice.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            # One offer of one time to one entry, however often it comes free.
            models.UniqueConstraint(
                fields=["entry", "therapist", "starts_at"],
                condition=Q(status="pending"),
                name="waitlistoffer_one_open_per_time",
            ),
        ]
        indexes = [
            # Expiry sweep: open offers by expiry.
            models.Index(
                fields=["expires_at"],
                condition=Q(status="pending"),
                name="waitlistoffer_open_expiry",
            ),
            # A claim closes the other open offers of the same time.
            models.Index(fields=["therapist", "starts_at"], name="waitlistoffer_time"),
        ]

    def __str__(self):
        return f"Offer to {self.entry_id} at {self.starts_at} ({self.get_status_display()})"
