"""Celery tasks for webhooks: thin wrappers around dispatch.py and delivery.py."""

import logging
from collections import Counter
from time import monotonic

from celery import shared_task
from django.conf import settings

from api.webhooks import delivery, dispatch, services

logger = logging.getLogger(__name__)

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
    """Send a few claimed deliveries, each locked and logged in its own transaction.

    A duplicate message is harmless: a sent delivery is not sent again.
    """
    started = monotonic()
    outcomes: Counter[str] = Counter()
    sender = delivery.Sender()
    try:
        for index, delivery_id in enumerate(delivery_ids):
            if monotonic() - started > TASK_TIME_BUDGET_SECONDS:
                # Slow receivers: the rest goes to a new task, not into the time limit.
                webhooks_send.delay(delivery_ids[index:])
                outcomes["queued again"] += len(delivery_ids) - index
                break
            try:
                outcomes[delivery.webhook_deliver(delivery_id=delivery_id, sender=sender)] += 1
            except Exception:
                # Not the receiver's fault (that is logged as an attempt): the
                # row stays claimed and the dispatcher's lease sweep retries it.
                logger.exception("Webhook delivery %s could not be processed", delivery_id)
                outcomes["error"] += 1
    finally:
        sender.close()
    return dict(outcomes)


@shared_task(soft_time_limit=300, time_limit=330)
def webhooks_prune():
    """Daily (beat): forget deliveries older than RELIEF_WEBHOOK_KEEP_DAYS."""
    return services.webhook_deliveries_prune()
