import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField


class ClientQuerySet(models.QuerySet):
    def current(self):
        return self.filter(archived=False)


def full_name(first_name: str, preferred_name: str, last_name: str) -> str:
    """A client's name as pages show it; also for lists read as plain values."""
    if preferred_name and preferred_name != first_name:
        return f"{first_name} “{preferred_name}” {last_name}"
    return f"{first_name} {last_name}"


class Client(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    first_name = models.CharField("legal first name", max_length=80)
    last_name = models.CharField("legal last name", max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True, region="US")
    emergency_contact_name = models.CharField(max_length=120, blank=True)
    emergency_contact_phone = PhoneNumberField(blank=True, region="US")
    consent_email_reminders = models.BooleanField("email reminders", default=True)
    consent_sms_reminders = models.BooleanField("SMS reminders", default=False)
    primary_therapist = models.ForeignKey(
        "practice.Therapist",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primary_clients",
    )
    archived = models.BooleanField(default=False)
    # Set from the latest intake by clients.services; the calendar shows a badge
    # from this flag alone, so front desk never needs the clinical details.
    has_red_flags = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            # Client search by name as you type.
            models.Index(Lower("last_name"), Lower("first_name"), name="client_name_lower"),
            models.Index(Lower("email"), name="client_email_lower"),
            # The client list before anything is typed: first page by name.
            models.Index(fields=["last_name", "first_name", "id"], name="client_name_order"),
            # The few archived clients, which the recall list leaves out by a
            # hashed NOT IN instead of joining every client.
            models.Index(fields=["id"], condition=models.Q(archived=True), name="client_archived"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def first_name_to_use(self):
        return self.preferred_name or self.first_name

    @property
    def full_name(self):
        return full_name(self.first_name, self.preferred_name, self.last_name)


class Score(models.Model):
    """One outcome measurement: every score, from any source, is a row here.

    Trends are one query on (client, instrument, recorded_at).
    """

    class Instrument(models.TextChoices):
        PAIN_NRS = "pain_nrs", "Pain (0-10)"
        PAIN_AVERAGE = "pain_average", "Average pain, last week (0-10)"
        PAIN_WORST = "pain_worst", "Worst pain, last week (0-10)"
        PEG = "peg", "PEG-3"
        STRESS = "stress", "Stress rating (0-10)"
        SLEEP = "sleep", "Sleep quality rating (0-10)"
        PSFS = "psfs", "Patient-Specific Functional Scale"

    class Context(models.TextChoices):
        INTAKE = "intake", "Intake"
        PRE_SESSION = "pre_session", "Before session"
        POST_SESSION = "post_session", "After session"
        CHECK_IN = "check_in", "Check-in"
        PLAN_REVIEW = "plan_review", "Plan review"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="scores")
    instrument = models.CharField(max_length=20, choices=Instrument.choices)
    instrument_version = models.CharField(max_length=20, default="1")
    # The validators repeat the check constraint, so full_clean() checks the
    # range in Python rather than with a query.
    value = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    item_answers = models.JSONField(default=dict, blank=True)
    recorded_at = models.DateTimeField()
    context = models.CharField(max_length=20, choices=Context.choices)
    # The record the score came from, e.g. ("intake", <uuid>) or ("session_note", <uuid>).
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    appointment = models.ForeignKey(
        "practice.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="scores",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A score corrected by a note amendment points at its correction and stays
    # as recorded (a signed note's scores are part of its signature). Trends
    # and reports read only scores not superseded.
    # No reverse accessor: auditlog would read it (one query) for every score.
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(value__gte=0) & models.Q(value__lte=10),
                name="score_value_0_to_10",
            )
        ]
        indexes = [
            # Trend plots and the chart: one client's scores of an instrument over time.
            models.Index(fields=["client", "instrument", "recorded_at"], name="score_trend"),
            # The chart's weekly averages (clients.selectors.score_trends), index-only:
            # through score_trend each score was a heap page of its own (a busy
            # client's year, 1,000 pages and more, read from disk when cold).
            models.Index(
                fields=["client", "recorded_at"],
                include=["instrument", "value", "context"],
                condition=models.Q(superseded_by__isnull=True),
                name="score_trend_weekly",
            ),
            # Pain outcomes report: a period's pain scores in effect, index-only
            # (a probe per client through score_trend cost 13,000 loops a year).
            models.Index(
                fields=["recorded_at"],
                include=["client", "value", "id"],
                condition=models.Q(instrument="pain_nrs", superseded_by__isnull=True),
                name="score_pain_period",
            ),
        ]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.value} ({self.get_context_display()})"


class HashedTokenLink(models.Model):
    """A link a client opens without signing in.

    Only the SHA-256 of the random token is stored, so a database leak reveals
    no usable link; links expire and are single-use.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def state(self, now) -> str:
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "valid"


class IntakeLink(HashedTokenLink):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intake_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The address the link went to and when, set by the sending task.
    sent_to = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The client page lists a client's links newest first.
            models.Index(fields=["client", "-created_at"], name="intakelink_client_recent"),
        ]

    def __str__(self):
        return f"Intake link for {self.client_id} ({self.created_at:%Y-%m-%d})"


def rating_field():
    """A 0-10 rating. The validator checks it in Python (full_clean), the
    model's check constraint in the database."""
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10)]
    )


class Intake(models.Model):
    class How(models.TextChoices):
        ONLINE = "online", "Online (client link)"
        STAFF = "staff", "In the clinic (staff)"

    class Duration(models.TextChoices):
        ACUTE = "acute", "Less than a week (acute)"
        WEEKS = "weeks", "A few weeks"
        MONTHS = "months", "Several months"
        YEARS = "years", "A year or more"

    class Pressure(models.TextChoices):
        LIGHT = "light", "Light"
        MEDIUM = "medium", "Medium"
        FIRM = "firm", "Firm"
        DEEP = "deep", "Deep"
        UNSURE = "unsure", "Not sure, let the therapist guide me"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="intakes")
    submitted_at = models.DateTimeField()
    how = models.CharField(max_length=10, choices=How.choices)
    # One intake per link, enforced by the database: a double submit cannot make two.
    link = models.OneToOneField(
        IntakeLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="intake"
    )
    # The staff form's one-time token: the same token never makes a second intake.
    form_token = models.UUIDField(null=True, blank=True, unique=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    chief_complaint = models.TextField("reason for visit")
    pain_regions = models.JSONField(default=list, blank=True)
    onset_date = models.DateField(null=True, blank=True)
    duration = models.CharField(max_length=10, choices=Duration.choices, blank=True)
    pain_character = models.JSONField(default=list, blank=True)
    aggravating_factors = models.TextField(blank=True)
    relieving_factors = models.TextField(blank=True)
    previous_treatment = models.TextField(blank=True)
    medications = models.TextField(blank=True)
    pain_now = rating_field()
    pain_average = rating_field()
    pain_worst = rating_field()
    peg_enjoyment = rating_field()
    peg_activity = rating_field()
    stress_rating = rating_field()
    sleep_quality = rating_field()
    sleep_hours = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    health_conditions = models.JSONField(default=list, blank=True)
    health_notes = models.TextField(blank=True)
    pressure_preference = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    areas_to_avoid = models.JSONField(default=list, blank=True)
    goals = models.TextField(blank=True)
    # Reasons computed by clients.red_flags when the intake was submitted.
    red_flags = models.JSONField(default=list, blank=True)

    consent_version = models.CharField(max_length=20)
    consent_signature = models.CharField("typed signature", max_length=160)
    consent_at = models.DateTimeField()
    consent_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            # The chart shows a client's latest intake.
            models.Index(fields=["client", "-submitted_at"], name="intake_client_recent"),
            # The REST API's intake list, newest first (its cursor order):
            # without it every page sorted all of the practice's intakes.
            models.Index(fields=["-submitted_at", "id"], name="intake_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(pain_now__isnull=True) | models.Q(pain_now__lte=10))
                & (models.Q(pain_average__isnull=True) | models.Q(pain_average__lte=10))
                & (models.Q(pain_worst__isnull=True) | models.Q(pain_worst__lte=10))
                & (models.Q(peg_enjoyment__isnull=True) | models.Q(peg_enjoyment__lte=10))
                & (models.Q(peg_activity__isnull=True) | models.Q(peg_activity__lte=10))
                & (models.Q(stress_rating__isnull=True) | models.Q(stress_rating__lte=10))
                & (models.Q(sleep_quality__isnull=True) | models.Q(sleep_quality__lte=10)),
                name="intake_ratings_0_to_10",
            ),
        ]

    def __str__(self):
        return f"Intake of {self.client_id} on {self.submitted_at:%Y-%m-%d}"

    @property
    def peg(self):
        from .scoring import peg_score

        return peg_score(
            pain_average=self.pain_average, enjoyment=self.peg_enjoyment, activity=self.peg_activity
        )


class CheckInLink(HashedTokenLink):
    """A client's pre-session check-in link: one appointment, single use."""

    appointment = models.ForeignKey(
        "practice.Appointment", on_delete=models.CASCADE, related_name="check_in_links"
    )

    def __str__(self):
        return f"Check-in link for appointment {self.appointment_id}"


class CheckIn(models.Model):
    """A short pre-session check-in; its ratings are Score rows (context pre_session)."""

    class How(models.TextChoices):
        ONLINE = "online", "Online (client link)"
        STAFF = "staff", "In the clinic (staff)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # One check-in per appointment: a second submit (link or tablet) is refused.
    appointment = models.OneToOneField(
        "practice.Appointment", on_delete=models.CASCADE, related_name="check_in"
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="check_ins")
    submitted_at = models.DateTimeField()
    how = models.CharField(max_length=10, choices=How.choices)
    anything_new = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self):
        return f"Check-in for appointment {self.appointment_id}"


class RedFlagClearance(models.Model):
    """A red flag that needed medical clearance, cleared: who, when, what was seen.

    Counts only against intakes submitted before it: a later intake that ticks
    the same condition needs a new clearance.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="red_flag_clearances")
    flag_code = models.CharField(max_length=40)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cleared_at = models.DateTimeField()
    note = models.TextField("what was seen")

    class Meta:
        ordering = ["-cleared_at"]
        indexes = [
            # The cautions box: a client's clearances, newest first.
            models.Index(fields=["client", "-cleared_at"], name="clearance_client_recent"),
        ]

    def __str__(self):
        return f"{self.flag_code} cleared for {self.client_id} on {self.cleared_at:%Y-%m-%d}"
