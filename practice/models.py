import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from practice.constraints import PostgresExclusionConstraint
from practice.ranges import TsTzRange
from practice.validation import validate_plausible_date


def validate_time_zone(value):
    if value not in available_timezones():
        raise ValidationError(
            f"“{value}” is not a known time zone (use a name like Europe/Berlin)."
        )


class Location(models.Model):
    name = models.CharField(max_length=120)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )

    # Online booking (/online/): off until the owner turns it on; the other
    # rules then apply to every online booking and portal reschedule here.
    class NewClients(models.TextChoices):
        INSTANT = "instant", "Booked at once"
        REQUEST = "request", "As a request staff approve"
        CLOSED = "closed", "Not online (they call)"

    online_booking = models.BooleanField("take bookings online", default=False)
    online_min_notice_minutes = models.PositiveIntegerField(
        "minimum notice (minutes)",
        default=120,
        help_text="Free times sooner than this show as “call to book”.",
    )
    online_horizon_days = models.PositiveSmallIntegerField(
        "book at most this many days ahead", default=60
    )
    online_same_day = models.BooleanField(
        "same-day bookings online",
        default=False,
        help_text="Off: today's free times show as “call to book”.",
    )
    online_max_upcoming = models.PositiveSmallIntegerField(
        "upcoming bookings per client", default=3
    )
    online_new_clients = models.CharField(
        "new clients are", max_length=10, choices=NewClients.choices, default=NewClients.REQUEST
    )
    online_request_hours = models.PositiveSmallIntegerField(
        "a request holds the time for (hours)",
        default=24,
        help_text="Unanswered by then (or by the start), the request expires and the time is free.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(online_horizon_days__gte=1, online_horizon_days__lte=730),
                name="location_online_horizon_1_to_730_days",
                violation_error_message="The online horizon is 1 to 730 days.",
            ),
            models.CheckConstraint(
                condition=Q(online_request_hours__gte=1),
                name="location_online_request_hours_positive",
                violation_error_message="A request holds the time for at least an hour.",
            ),
        ]

    def __str__(self):
        return self.name


class Room(models.Model):
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "name"], name="room_unique_name_per_location"
            )
        ]

    def __str__(self):
        return self.name


# The longest an appointment can hold a therapist or room (session plus
# cleanup). Bounding it lets "what meets [start, end)" be a range scan on
# starts_at (from start - MAX_OCCUPIED) instead of a scan of all history.
MAX_OCCUPIED = timedelta(hours=24)


class Service(models.Model):
    name = models.CharField(max_length=120, unique=True)
    duration = models.DurationField(default=timedelta(minutes=60))
    buffer_after = models.DurationField(
        default=timedelta(minutes=15), help_text="Cleanup time kept free after the session."
    )
    price = models.DecimalField(max_digits=8, decimal_places=2, default=0)
    needs_room = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    bookable_online = models.BooleanField(
        default=True, help_text="Offered on the online booking page where the location takes them."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)), name="service_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(buffer_after__gte=timedelta(0)), name="service_buffer_not_negative"
            ),
            # Together at most MAX_OCCUPIED, the bound appointment range queries rely on.
            models.CheckConstraint(
                condition=Q(duration__lte=MAX_OCCUPIED / 2),
                name="service_duration_at_most_12_hours",
                violation_error_message="A session lasts at most 12 hours.",
            ),
            models.CheckConstraint(
                condition=Q(buffer_after__lte=MAX_OCCUPIED / 2),
                name="service_buffer_at_most_12_hours",
                violation_error_message="Cleanup time is at most 12 hours.",
            ),
        ]

    def __str__(self):
        return self.name


class Therapist(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="therapist"
    )
    display_name = models.CharField(max_length=120)
    credentials = models.CharField(max_length=120, blank=True, help_text="e.g. LMT, CMT")
    licence_number = models.CharField(max_length=60, blank=True)
    colour = models.CharField(max_length=7, default="#2f6f8f", help_text="Calendar colour")
    services = models.ManyToManyField(Service, related_name="therapists", blank=True)
    active = models.BooleanField(default=True)
    bookable_online = models.BooleanField(
        default=True, help_text="Clients may book this therapist online."
    )

    class SlotMode(models.TextChoices):
        GRID = "grid", "Every start on the grid"
        COMPACT = "compact", "Compact (no short gaps)"

    slot_mode = models.CharField(
        "free times offered",
        max_length=10,
        choices=SlotMode.choices,
        default=SlotMode.GRID,
        help_text=(
            "Compact offers only the first and last free start of each gap, so bookings "
            "sit next to each other and leave no gaps too short to sell."
        ),
    )

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="working_hours")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="working_hours")
    weekday = models.IntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="working_hours_end_after_start",
            )
        ]

    def __str__(self):
        return f"{self.therapist} {self.get_weekday_display()} {self.start_time}-{self.end_time}"


class TimeOff(models.Model):
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name_plural = "time off"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after_start"
            )
        ]

    def __str__(self):
        return f"{self.therapist} off {timezone.localtime(self.starts_at):%Y-%m-%d}"

    def clean(self):
        # Refused here, before the save: a year-9999 row broke its audit entry
        # and, from then on, the time-off page for everyone.
        errors = {}
        for name in ("starts_at", "ends_at"):
            try:
                validate_plausible_date(getattr(self, name))
            except ValidationError as exc:
                errors[name] = exc.messages
        if errors:
            raise ValidationError(errors)


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, start, end):
        """Appointments whose occupied time (service plus buffer) meets [start, end)."""
        # The lower bound on starts_at is implied by MAX_OCCUPIED; it turns the
        # search into a range scan of the (starts_at, therapist) index (0.8 ms
        # for a fortnight of 25 therapists at 400,000 appointments, where the
        # exclusion constraints' GiST index took 4-6 ms and the bare
        # `starts_at < end` read all of history).
        return self.filter(
            starts_at__gte=start - MAX_OCCUPIED, starts_at__lt=end, occupied_until__gt=start
        )

    def between(self, start, end):
        """Appointments (any status) whose session [starts_at, ends_at) meets [start, end)."""
        return self.filter(
            starts_at__gte=start - MAX_OCCUPIED, starts_at__lt=end, ends_at__gt=start
        )


class Appointment(models.Model):
    class Status(models.TextChoices):
        # An online booking waiting for staff to approve it; it holds the time.
        REQUESTED = "requested", "Requested"
        BOOKED = "booked", "Booked"
        CONFIRMED = "confirmed", "Confirmed"
        CHECKED_IN = "checked_in", "Checked in"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "No-show"

    class Source(models.TextChoices):
        FRONT_DESK = "front_desk", "Front desk"
        ONLINE = "online", "Online"

    # Statuses that hold the therapist's (and room's) time.
    ACTIVE_STATUSES = (
        Status.REQUESTED,
        Status.BOOKED,
        Status.CONFIRMED,
        Status.CHECKED_IN,
        Status.COMPLETED,
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes for client and therapist: the composite indexes
    # below lead with them (client_recent, client_report, therapist_client),
    # and every index more is written again by each booking.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    therapist = models.ForeignKey(
        Therapist, on_delete=models.PROTECT, related_name="appointments", db_index=False
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # ends_at plus the service's buffer, frozen at booking time so a later
    # change to the service never makes existing bookings overlap.
    occupied_until = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.BOOKED)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.FRONT_DESK)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_at = models.DateTimeField(auto_now_add=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    late_cancel = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    series_id = models.UUIDField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # iCalendar SEQUENCE: raised on every reschedule and on cancellation, so
    # calendar apps replace the event they hold. Client links carry it too, so
    # a link from before a change stops working.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(occupied_until__gte=models.F("ends_at")),
                name="appointment_occupied_covers_session",
            ),
            models.CheckConstraint(
                condition=Q(occupied_until__lte=models.F("starts_at") + MAX_OCCUPIED),
                name="appointment_occupied_at_most_a_day",
            ),
            PostgresExclusionConstraint(
                name="appointment_no_therapist_overlap",
                expressions=[
                    (TsTzRange("starts_at", "occupied_until"), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=Q(
                    status__in=["requested", "booked", "confirmed", "checked_in", "completed"]
                ),
            ),
            PostgresExclusionConstraint(
                name="appointment_no_room_overlap",
                expressions=[
                    (TsTzRange("starts_at", "occupied_until"), RangeOperators.OVERLAPS),
                    ("room", RangeOperators.EQUAL),
                ],
                condition=Q(
                    status__in=["requested", "booked", "confirmed", "checked_in", "completed"],
                    room__isnull=False,
                ),
            ),
        ]
        indexes = [
            # Day and week calendars: active appointments of a range, by therapist.
            models.Index(fields=["starts_at", "therapist"], name="appointment_starts_therapist"),
            # Client chart: a client's appointments newest first.
            models.Index(fields=["client", "-starts_at"], name="appointment_client_recent"),
            # "Their clients": has this therapist ever seen this client?
            models.Index(fields=["therapist", "client"], name="appointment_therapist_client"),
            # Reports' per-client probes (seen before, rebooked, seen again):
            # status and therapist from the index, not the table.
            models.Index(
                fields=["client", "starts_at"],
                include=["status", "therapist", "location"],
                name="appointment_client_report",
            ),
        ]

    def __str__(self):
        # The label is stored in the audit trail: on the location's clock, named,
        # never in UTC (the location is used only when already loaded).
        location = self._state.fields_cache.get("location")
        zone = ZoneInfo(location.time_zone) if location is not None else None
        local = timezone.localtime(self.starts_at, zone)
        return f"{self.client} with {self.therapist} at {local:%Y-%m-%d %H:%M %Z}"

    @property
    def is_active(self):
        return self.status in self.ACTIVE_STATUSES


class Reminder(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Booking confirmation"
        BEFORE_48H = "before_48h", "48 hours before"
        BEFORE_2H = "before_2h", "2 hours before"
        CANCELLATION = "cancellation", "Cancellation notice"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # The UUID doubles as the provider's idempotency key.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: the unique (appointment, channel, kind) index leads
    # with it, and each booking writes three reminder rows into every index.
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    # Raised when a sent reminder is armed again (resend, reschedule), so the
    # provider's idempotency key differs from the one it already accepted.
    send_round = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "channel", "kind"], name="reminder_unique_per_kind"
            )
        ]
        indexes = [
            # The dispatcher's sweep: pending reminders that are due.
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.channel} for {self.appointment_id}"

    @property
    def idempotency_key(self) -> str:
        return str(self.id) if not self.send_round else f"{self.id}-{self.send_round}"


class CalendarFeed(models.Model):
    """A therapist's secret calendar subscription URL; only its hash is stored."""

    therapist = models.OneToOneField(
        Therapist, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Calendar feed of {self.therapist}"


class DeskView(models.Model):
    """What Today and the day calendar open on for one staff member: the
    location and the therapist group last chosen. A practice of a hundred
    therapists shows one location, and beyond about twenty of them a group."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_view"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "now" (working now) or "g<n>" (the n-th group in name order); "" for none.
    group = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Desk view of {self.user_id}"


# Models of this app kept beside their code: the waitlist and inbound texts.
from practice.reminders.models import SmsInbound  # noqa: E402
from practice.waitlist.models import FreedTime, WaitlistEntry, WaitlistOffer  # noqa: E402

__all__ = [
    "Appointment",
    "CalendarFeed",
    "DeskView",
    "FreedTime",
    "Location",
    "Reminder",
    "Room",
    "Service",
    "SmsInbound",
    "Therapist",
    "TimeOff",
    "WaitlistEntry",
    "WaitlistOffer",
    "WorkingHours",
]
