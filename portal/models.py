import uuid

from django.conf import settings
from django.db import models


class PortalCode(models.Model):
    """One sign-in code (and its emailed link) sent to a client's email or phone.

    Neither the six-digit code nor the link token is stored: only an HMAC of
    the code (keyed with SECRET_KEY and salted with the row id, so a leaked
    table cannot be brute-forced over the million codes without the key) and
    the SHA-256 of the link token.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="portal_codes"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    # The normalised address the client typed (lower-case email or E.164 phone):
    # the code page checks codes sent there, whatever the record says since.
    sent_to = models.CharField(max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    link_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A link token names one code; an SMS code has no link.
            models.UniqueConstraint(
                fields=["link_hash"],
                condition=~models.Q(link_hash=""),
                name="portalcode_link_hash_unique",
            ),
        ]
        indexes = [
            # The code page: the live codes sent to one address.
            models.Index(fields=["sent_to", "-created_at"], name="portalcode_sent_to_recent"),
        ]

    def __str__(self):
        return f"Portal code for {self.client_id} ({self.created_at:%Y-%m-%d %H:%M})"


class OnlineBooking(models.Model):
    """How an appointment was booked online: who, the screening answers, and,
    for a request, its deadline and what staff decided."""

    class Decision(models.TextChoices):
        NONE = "", "Not a request"
        PENDING = "pending", "Waiting for staff"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn by the client"

    appointment = models.OneToOneField(
        "practice.Appointment", on_delete=models.CASCADE, related_name="online_booking"
    )
    new_client = models.BooleanField(default=False)
    # Yes/no answers to the screening questions (portal.online.screening), by key.
    screening = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(max_length=200, blank=True)
    # Set by the email task once the booking's (or request's) message went out,
    # so a retried task never sends it twice.
    message_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            # The staff request list and the expiry sweep: pending requests by deadline.
            models.Index(
                fields=["expires_at"],
                condition=models.Q(decision="pending"),
                name="onlinebooking_pending",
            ),
        ]

    def __str__(self):
        return f"Online booking of {self.appointment_id}"
