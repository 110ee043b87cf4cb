"""Celery tasks for reminders: thin wrappers around practice.reminders.

The database is the source of truth; a lost task message delays a reminder
(the dispatcher's lease sweep queues it again), it never loses it.
"""

import logging

from celery import shared_task
from django.conf import settings

from . import reminders

logger = logging.getLogger(__name__)

# Retry waits: 30 s, 1, 2, 4 min, then 5 min. Capped well under the lease
# (so the sweep does not re-queue a reminder waiting for its retry) and under
# the broker's visibility timeout (so Redis does not redeliver it meanwhile).
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 300
# At most this many batches per dispatch, so one run stays under a minute.
MAX_BATCHES = 20


def retry_countdown(retries: int) -> int:
    return min(RETRY_BASE_SECONDS * 2**retries, RETRY_MAX_SECONDS)


@shared_task(soft_time_limit=50, time_limit=55)
def reminders_dispatch():
    """Every minute (beat): claim due reminders and queue their send tasks."""
    claimed = 0
    for _ in range(MAX_BATCHES):
        ids = reminders.reminders_claim_due()
        claimed += len(ids)
        if len(ids) < settings.RELIEF_REMINDER_BATCH_SIZE:
            break
    return claimed


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,  # bounded by RELIEF_REMINDER_MAX_RETRIES below
    soft_time_limit=30,
    time_limit=40,
)
def reminder_send(self, reminder_id: str):
    try:
        return reminders.reminder_deliver(reminder_id=reminder_id)
    except Exception as exc:
        final = self.request.retries >= settings.RELIEF_REMINDER_MAX_RETRIES
        error = f"{type(exc).__name__}: {exc}"
        logger.warning(
            "Reminder %s failed (attempt %s): %s", reminder_id, self.request.retries + 1, error
        )
        reminders.reminder_record_failure(reminder_id=reminder_id, error=error, final=final)
        if final:
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
