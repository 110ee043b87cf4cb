import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField


class ClientQuerySet(models.QuerySet):
    def current(self):
        return self.filter(archived=False)


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
        ]

    def __str__(self):
        return self.full_name

    @property
    def first_name_to_use(self):
        return self.preferred_name or self.first_name

    @property
    def full_name(self):
        if self.preferred_name and self.preferred_name != self.first_name:
            return f"{self.first_name} “{self.preferred_name}” {self.last_name}"
        return f"{self.first_name} {self.last_name}"


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
    value = models.DecimalField(max_digits=4, decimal_places=1)
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
        ]

    def __str__(self):
        return f"{self.get_instrument_display()} {self.value} ({self.get_context_display()})"
