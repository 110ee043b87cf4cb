"""Celery tasks for reminders: thin wrappers around dispatch.py and delivery.py.

The database is the source of truth; a lost task message delays a reminder
(the dispatcher's lease sweep queues it again), it never loses it.
"""

import logging
from collections import Counter
from time import monotonic

from celery import shared_task
from django.conf import settings
from django.core import mail

from practice.reminders import delivery, dispatch

logger = logging.getLogger(__name__)

# At most this many batches per dispatch, so one run stays under a minute.
MAX_BATCHES = 20
# A send task takes no new reminder after this long (its soft limit is 50 s).
TASK_TIME_BUDGET_SECONDS = 20


def _deliver_or_record_failure(reminder_id: str, email_connection=None) -> str:
    try:
        return delivery.reminder_deliver(reminder_id=reminder_id, email_connection=email_connection)
    except Exception as exc:
        if email_connection is not None:
            # The next email starts a new session: this one may be broken.
            email_connection.close()
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("Reminder %s failed: %s", reminder_id, error)
        return delivery.reminder_record_failure(reminder_id=reminder_id, error=error)


@shared_task(soft_time_limit=50, time_limit=55)
def reminders_dispatch():
    """Every minute (beat): claim due reminders and queue their send tasks."""
    claimed = 0
    for _ in range(MAX_BATCHES):
        ids = dispatch.reminders_claim_due()
        claimed += len(ids)
        if len(ids) < settings.RELIEF_REMINDER_BATCH_SIZE:
            break
    return claimed


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=50, time_limit=60)
def reminders_send(reminder_ids: list[str]):
    """Send a few claimed reminders, each locked and sent in its own transaction.

    One that raises does not stop the others: its failure is recorded and it
    falls due again after the backoff wait (delivery.reminder_record_failure).
    A message delivered twice is harmless: a sent reminder is not sent again.
    """
    started = monotonic()
    outcomes: Counter[str] = Counter()
    # One SMTP session for the task's emails rather than a connection, TLS
    # handshake and login for each.
    email_connection = mail.get_connection()
    try:
        for index, reminder_id in enumerate(reminder_ids):
            if monotonic() - started > TASK_TIME_BUDGET_SECONDS:
                # A slow channel: the rest goes to a new task, not into the time limit.
                reminders_send.delay(reminder_ids[index:])
                outcomes["queued again"] += len(reminder_ids) - index
                break
            outcomes[_deliver_or_record_failure(reminder_id, email_connection)] += 1
    finally:
        email_connection.close()
    return dict(outcomes)


@shared_task(acks_late=True, reject_on_worker_lost=True, soft_time_limit=30, time_limit=40)
def reminder_send(reminder_id: str):
    """Send one reminder (also what retries queued by earlier versions run)."""
    return _deliver_or_record_failure(reminder_id)
