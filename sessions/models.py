import uuid
from decimal import Decimal

from auditlog.registry import auditlog
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clients.models import Score


class SignedNoteError(ValidationError):
    """Raised when code tries to change or delete what a signature has locked.

    A ValidationError, so every view that shows service errors shows this one too.
    """


class Pressure(models.TextChoices):
    LIGHT = "light", "Light"
    MODERATE = "moderate", "Moderate"
    FIRM = "firm", "Firm"
    DEEP = "deep", "Deep"


class Technique(models.Model):
    class Category(models.TextChoices):
        RELAXATION = "relaxation", "Relaxation"
        CLINICAL = "clinical", "Clinical / therapeutic"
        SPORTS = "sports", "Sports and movement"
        SPECIALTY = "specialty", "Specialty"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class TreatmentPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        DISCONTINUED = "discontinued", "Discontinued"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    therapist = models.ForeignKey(
        "practice.Therapist", on_delete=models.PROTECT, related_name="treatment_plans"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    problem_summary = models.TextField(help_text="The problem this plan addresses.")
    frequency = models.CharField(
        max_length=120, help_text="e.g. weekly for 6 weeks, then every 2 weeks"
    )
    planned_sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    planned_techniques = models.ManyToManyField(Technique, blank=True, related_name="+")
    focus_regions = models.JSONField(default=list, blank=True)
    start_date = models.DateField()
    review_date = models.DateField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_sessions__gte=1), name="plan_planned_sessions_positive"
            ),
            models.CheckConstraint(
                condition=Q(review_date__isnull=True) | Q(review_date__gte=models.F("start_date")),
                name="plan_review_not_before_start",
            ),
        ]
        indexes = [
            # A client's plans (history page) and their active plan (note prefill).
            models.Index(fields=["client", "status"], name="plan_client_status"),
        ]

    def __str__(self):
        return f"Plan for {self.client} ({self.get_status_display()})"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class Goal(models.Model):
    class Direction(models.TextChoices):
        AT_MOST = "at_most", "at most"
        AT_LEAST = "at_least", "at least"

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="goals")
    description = models.CharField(max_length=200)
    instrument = models.CharField(
        max_length=20, choices=Score.Instrument.choices, default=Score.Instrument.PAIN_NRS
    )
    direction = models.CharField(
        max_length=10, choices=Direction.choices, default=Direction.AT_MOST
    )
    target_value = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    target_date = models.DateField(null=True, blank=True)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_value__gte=0) & Q(target_value__lte=10),
                name="goal_target_0_to_10",
            )
        ]

    def __str__(self):
        return f"{self.description}: {self.get_instrument_display()} {self.target_text}"

    @property
    def target_text(self):
        symbol = "≤" if self.direction == self.Direction.AT_MOST else "≥"
        return f"{symbol} {Decimal(self.target_value).normalize():f}"

    def is_met_by(self, value) -> bool:
        if self.direction == self.Direction.AT_MOST:
            return value <= self.target_value
        return value >= self.target_value


class SessionNote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    # What a signature locks; the content hash covers these.
    CLINICAL_FIELDS = (
        "appointment_id",
        "client_id",
        "subjective",
        "objective",
        "assessment",
        "plan_text",
        "pressure",
        "client_response",
        "home_care",
    )
    SIGNATURE_FIELDS = ("status", "signed_at", "signed_by_id", "content_hash")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    appointment = models.OneToOneField(
        "practice.Appointment", on_delete=models.PROTECT, related_name="session_note"
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="session_notes"
    )
    therapist = models.ForeignKey(
        "practice.Therapist", on_delete=models.PROTECT, related_name="session_notes"
    )
    plan = models.ForeignKey(
        TreatmentPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    subjective = models.TextField(
        blank=True, help_text="What the client reports: pain, changes since last visit, goals."
    )
    objective = models.TextField(
        blank=True, help_text="What you found: posture, palpation, range of motion, tests."
    )
    assessment = models.TextField(
        blank=True, help_text="Your clinical impression and the client's progress."
    )
    plan_text = models.TextField(
        "plan", blank=True, help_text="Next steps: frequency, focus, referrals."
    )
    pressure = models.CharField(
        "overall pressure", max_length=10, choices=Pressure.choices, blank=True
    )
    client_response = models.TextField(blank=True, help_text="How the client responded.")
    home_care = models.TextField(blank=True, help_text="Stretches, heat or ice, self-care.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # SHA-256 of the signed content (sessions.signing), so tampering in the database shows.
    content_hash = models.CharField(max_length=64, blank=True)
    # Optimistic lock: every draft save must name the version it started from.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(signed_at__isnull=False) & Q(signed_by__isnull=False) & ~Q(content_hash="")),
                name="note_signed_has_signature",
            )
        ]
        indexes = [
            # Client history: a client's notes newest first.
            models.Index(fields=["client", "-created_at"], name="note_client_recent"),
            # The REST API's signed-note list, newest signed first (its cursor order).
            models.Index(
                fields=["-signed_at", "id"],
                condition=Q(status="signed"),
                name="note_signed_recent",
            ),
            # Reports: a period's notes found from its appointments without
            # reading the note rows (index-only; the join used to scan every note).
            models.Index(
                fields=["appointment"],
                include=["id", "client", "therapist"],
                name="note_appointment_report",
            ),
        ]

    def __str__(self):
        return f"Note for {self.appointment}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self._refuse_change_if_signed()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if type(self).objects.filter(pk=self.pk, status=self.Status.SIGNED).exists():
            raise SignedNoteError("A signed note cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self):
        return self.status == self.Status.SIGNED

    def _refuse_change_if_signed(self):
        # Compare with the stored row, not with what this instance believes:
        # a stale or crafted instance must not slip past the lock.
        locked = self.CLINICAL_FIELDS + self.SIGNATURE_FIELDS
        stored = type(self).objects.filter(pk=self.pk).values(*locked).first()
        if stored is None or stored["status"] != self.Status.SIGNED:
            return
        changed = [name for name in locked if getattr(self, name) != stored[name]]
        if changed:
            raise SignedNoteError(
                f"This note is signed; {', '.join(changed)} cannot change. Add an amendment."
            )


def _refuse_if_note_signed(note_id):
    if SessionNote.objects.filter(pk=note_id, status=SessionNote.Status.SIGNED).exists():
        raise SignedNoteError("This note is signed; its techniques cannot change.")


class TechniqueApplication(models.Model):
    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BILATERAL = "bilateral", "Both sides"
        MIDLINE = "midline", "Midline / not applicable"

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="techniques")
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    # Codes from clients.body_regions.
    body_regions = models.JSONField(default=list, blank=True)
    side = models.CharField(max_length=10, choices=Side.choices, blank=True)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    pressure = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=180),
                name="technique_minutes_1_to_180",
            )
        ]
        indexes = [
            # Reports: the techniques of a period's notes, index-only (the join
            # used to hash all 870,000 applications of the bench practice).
            models.Index(fields=["note"], include=["technique"], name="application_note_technique"),
        ]

    def __str__(self):
        return f"{self.technique} {self.minutes} min"

    def save(self, *args, **kwargs):
        _refuse_if_note_signed(self.note_id)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_note_signed(self.note_id)
        return super().delete(*args, **kwargs)


PAIN_VALUE = {
    "max_digits": 4,
    "decimal_places": 1,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(10)],
}


class NoteAmendment(models.Model):
    """A correction appended to a signed note; never edited or deleted.

    Besides its text it may carry corrected structured data: pain before and
    after (new Score rows that supersede the note's, which stay as signed)
    and a corrected technique table (AmendedTechnique rows, shown beside the
    signed ones). The signed rows never change, so the signature still holds.
    """

    note = models.ForeignKey(SessionNote, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    pain_before = models.DecimalField("corrected pain before", **PAIN_VALUE)
    pain_after = models.DecimalField("corrected pain after", **PAIN_VALUE)
    # True when this amendment's technique rows replace the table (even with none).
    corrects_techniques = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Amendment to {self.note_id} by {self.author}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SignedNoteError("Amendments are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedNoteError("Amendments are append-only.")


class AmendedTechnique(models.Model):
    """One row of an amendment's corrected technique table; append-only."""

    amendment = models.ForeignKey(
        NoteAmendment, on_delete=models.PROTECT, related_name="techniques"
    )
    technique = models.ForeignKey(Technique, on_delete=models.PROTECT, related_name="+")
    body_regions = models.JSONField(default=list, blank=True)
    side = models.CharField(max_length=10, choices=TechniqueApplication.Side.choices, blank=True)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(180)]
    )
    pressure = models.CharField(max_length=10, choices=Pressure.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=180),
                name="amended_technique_minutes_1_to_180",
            )
        ]

    def __str__(self):
        return f"{self.technique} {self.minutes} min (amended)"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise SignedNoteError("Amendments are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignedNoteError("Amendments are append-only.")


class NoteOutcomeColumns(models.Model):
    """What both pain-outcome summaries carry of their note: who, where, when, its pain.

    Copied from the note and its appointment so a period's rows are one range
    scan on starts_at; only sessions.outcomes writes them.
    """

    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    therapist = models.ForeignKey("practice.Therapist", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("practice.Location", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    # The note's own pain before and after, as its amendments left them.
    pain_before = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    pain_after = models.DecimalField(max_digits=4, decimal_places=1, null=True)

    class Meta:
        abstract = True


class NoteOutcome(NoteOutcomeColumns):
    """Report summary: one row per session note (draft or signed), keyed by its session's start.

    The pain-outcome reports read these instead of joining notes, appointments
    and scores over a year. Rows per note, not per client, so any period,
    location or therapist filter is still answered exactly. Written only by
    sessions.outcomes, in the transaction of the service that changes the
    note, its techniques or its pain scores; a nightly rebuild repairs drift.
    """

    note = models.OneToOneField(
        SessionNote, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )

    class Meta:
        indexes = [
            # Pain improvement: a period's notes per client and therapist, index-only.
            models.Index(
                fields=["starts_at"],
                include=["client", "therapist", "location"],
                name="note_outcome_period",
            ),
        ]

    def __str__(self):
        return f"Outcome of note {self.note_id}"


class NoteOutcomeTechnique(NoteOutcomeColumns):
    """Report summary: one row per technique applied in a note (twice in a note is one).

    Carries its note's client, therapist, place, time and pain, so a period's
    techniques and session pain changes are one range scan.
    """

    note = models.ForeignKey(SessionNote, on_delete=models.CASCADE, related_name="+")
    technique = models.ForeignKey(Technique, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["note", "technique"], name="note_outcome_technique_once"
            )
        ]
        indexes = [
            # Main technique per client and median session change per
            # technique over a period, index-only.
            models.Index(
                fields=["starts_at"],
                include=[
                    "client",
                    "technique",
                    "therapist",
                    "location",
                    "pain_before",
                    "pain_after",
                ],
                name="note_outcome_technique_period",
            ),
        ]

    def __str__(self):
        return f"Technique {self.technique_id} in note {self.note_id}"


auditlog.register(Technique)
auditlog.register(TreatmentPlan, m2m_fields={"planned_techniques"})
auditlog.register(Goal)
auditlog.register(SessionNote)
auditlog.register(TechniqueApplication)
auditlog.register(NoteAmendment)
auditlog.register(AmendedTechnique)
