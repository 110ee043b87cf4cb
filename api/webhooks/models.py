"""Webhook endpoints the owner registers, and the delivery outbox.

A WebhookDelivery row is written in the same transaction as the change it
announces (services.webhook_event_record), so a rolled-back change sends
nothing and a committed one is sent at least once. Every HTTP attempt is one
WebhookAttempt row.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from api.webhooks import events

__all__ = ["WebhookAttempt", "WebhookDelivery", "WebhookEndpoint"]


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The subscribed event names as ",a,b,": one LIKE finds an event's
    # endpoints on SQLite and PostgreSQL alike (see services.webhook_event_record).
    events = models.CharField(max_length=500)
    # Kept readable (not hashed): every delivery is signed with it. Shown once.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret signs too, until this time, so a
    # receiver can switch without dropping deliveries.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    secret_rotated_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.description or self.url

    @property
    def event_list(self) -> list[str]:
        return [name for name in self.events.split(",") if name]

    def event_labels(self) -> list[str]:
        return [events.LABELS.get(name, name) for name in self.event_list]


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.BigAutoField(primary_key=True)
    # Indexed by webhook_delivery_endpoint, which leads with it (and serves the
    # cascade from a deleted endpoint): a second index would only cost writes.
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.CharField(max_length=40)
    # The same for every endpoint and every resend of one event: the
    # receiver's idempotency key.
    event_id = models.UUIDField()
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    # Retries stop here (a day after the event, or after a resend).
    retry_until = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # dispatch.webhook_deliveries_claim_due: due pending rows, oldest first.
            models.Index(
                fields=["due_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_pending_due",
            ),
            # selectors.deliveries_for: an endpoint's newest deliveries.
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_endpoint"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sent", "failed"]),
                name="webhook_delivery_status_known",
            )
        ]

    def __str__(self):
        return f"{self.event} {self.event_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    started_at = models.DateTimeField()
    duration_ms = models.FloatField()
    # None when no HTTP answer came (refused, timed out, unsafe address).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["started_at", "id"]

    def __str__(self):
        return f"{self.delivery_id} at {self.started_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
