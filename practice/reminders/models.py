"""Texts clients send to the practice (two-way SMS), a model of the `practice` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SmsInbound(models.Model):
    """A text a client sent to the practice's number (the provider's webhook)."""

    class Action(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed the next appointment"
        CANCELLED = "cancelled", "Cancelled the next appointment"
        CALL = "call", "Asked to cancel too late: given the phone number"
        NOTHING = "nothing", "C or X with no upcoming appointment"
        INBOX = "inbox", "For the front desk"

    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    body = models.TextField(max_length=2000)
    received_at = models.DateTimeField()
    client = models.ForeignKey(
        "clients.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    appointment = models.ForeignKey(
        "practice.Appointment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.CharField(max_length=500, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # The front-desk inbox: messages still to handle, newest first.
            models.Index(
                fields=["-received_at"],
                condition=Q(action="inbox", handled_at__isnull=True),
                name="smsinbound_open",
            ),
        ]

    def __str__(self):
        return f"SMS from {self.from_number} at {self.received_at:%Y-%m-%d %H:%M}"
