"""Celery tasks for webhooks: thin wrappers around dispatch.py and delivery.py."""

from collections import Counter
from time import monotonic

from celery import shared_task
from django.conf import settings

from api.webhooks import delivery, dispatch, services

MAX_BATCHES = 20
# A send task takes no new delivery after this long (its soft limit is 50 s).
TASK_TIME_BUDGET_SECONDS = 20


@shared_task(soft_time_limit=50, time_limit=55)
def webhooks_dispatch():
    """Every few seconds (beat): claim due deliveries and queue their send tasks."""
    claimed = 0
    for _ in range(MAX_BATCHES):
        ids = dispatch.webhook_deliveries_claim_due()
        claimed += len(ids)
        if len(ids) < settings.RELIEF_WEBHOOK_BATCH_SIZE:
            break
    return claimed


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def webhooks_send(delivery_ids: list[int]):
    """Send a batch of claimed deliveries over this process's kept-alive connections.

    A duplicate message is harmless: a sent delivery is not sent again.
    """
    sender = delivery.process_sender()
    sender.forget_addresses()  # names are looked up again for each batch
    outcomes, left = delivery.webhook_deliveries_send(
        delivery_ids=delivery_ids,
        sender=sender,
        deadline=monotonic() + TASK_TIME_BUDGET_SECONDS,
    )
    counts = Counter(outcomes.values())
    if left:
        # Slow receivers: the rest goes to a new task, not into the time limit.
        webhooks_send.delay(left)
        counts["queued again"] += len(left)
    return dict(counts)


@shared_task(soft_time_limit=300, time_limit=330)
def webhooks_prune():
    """Daily (beat): forget deliveries older than RELIEF_WEBHOOK_KEEP_DAYS."""
    return services.webhook_deliveries_prune()
