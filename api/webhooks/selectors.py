"""Webhook reads for the owner's pages."""

from datetime import timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from api.webhooks.models import WebhookDelivery, WebhookEndpoint

Status = WebhookDelivery.Status


def endpoints_with_activity(now=None):
    """Every endpoint with its last delivery time and its day's failures, one query."""
    since = (now or timezone.now()) - timedelta(days=1)
    return WebhookEndpoint.objects.annotate(
        last_delivery_at=Max("deliveries__created_at"),
        pending=Count("deliveries", filter=Q(deliveries__status=Status.PENDING)),
        failed_today=Count(
            "deliveries",
            filter=Q(deliveries__status=Status.FAILED, deliveries__created_at__gte=since),
        ),
    ).order_by("created_at")


def deliveries_for(endpoint: WebhookEndpoint, status: str = ""):
    """An endpoint's deliveries, newest first (index webhook_delivery_endpoint)."""
    rows = WebhookDelivery.objects.filter(endpoint=endpoint).defer("body")
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def delivery_with_attempts(endpoint: WebhookEndpoint, delivery_id: int):
    return WebhookDelivery.objects.filter(endpoint=endpoint, pk=delivery_id).prefetch_related(
        "attempt_log"
    )
