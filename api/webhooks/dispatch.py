"""Dispatch: claim due webhook deliveries and queue their send tasks (beat)."""

from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from api.webhooks.models import WebhookDelivery

# Queued by name: the task module imports this one, not the other way round.
SEND_TASK = "api.webhooks.tasks.webhooks_send"


def _enqueue_send(chunk) -> None:
    current_app.send_task(SEND_TASK, args=[list(chunk)])


def webhook_deliveries_claim_due(*, now=None, limit=None, enqueue=None) -> list[int]:
    """Claim due pending deliveries and queue them, in chunks, after commit.

    skip_locked: two dispatchers never claim the same row. A claim older
    than the lease (lost message, dead worker) is claimed again; should the
    worker still be sending it, the new task finds it locked and skips it.
    """
    now = now or timezone.now()
    enqueue = enqueue or _enqueue_send
    limit = limit or settings.RELIEF_WEBHOOK_BATCH_SIZE
    lease_start = now - timedelta(seconds=settings.RELIEF_WEBHOOK_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        # Uses the partial index webhook_delivery_pending_due.
        ids = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookDelivery.Status.PENDING, due_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start))
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            WebhookDelivery.objects.filter(pk__in=ids).update(claimed_at=now)
            size = settings.RELIEF_WEBHOOK_TASK_SIZE
            chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
            transaction.on_commit(lambda: [enqueue(chunk) for chunk in chunks])
    return ids
