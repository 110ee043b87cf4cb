"""Dispatch: claim due reminders and queue their send tasks (beat, every minute)."""

from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practice.models import Reminder

Status = Reminder.Status

# Queued by name: the task module imports this one, not the other way round.
SEND_TASK = "practice.reminders.tasks.reminders_send"


def _enqueue_send(chunk) -> None:
    current_app.send_task(SEND_TASK, args=[[str(pk) for pk in chunk]])


def reminders_claim_due(*, now=None, limit=None, enqueue=None) -> list:
    """Claim due pending reminders and queue their sending after commit.

    The claimed ids go out in chunks of RELIEF_REMINDER_TASK_SIZE, one send
    task per chunk: a task costs the worker more than sending one reminder.
    skip_locked lets two dispatchers run at once without claiming the same
    row, and skips rows a worker is sending right now (it holds their lock).
    A claim older than the lease (lost message, dead worker) is claimed again.
    """
    now = now or timezone.now()
    enqueue = enqueue or _enqueue_send
    limit = limit or settings.RELIEF_REMINDER_BATCH_SIZE
    lease_start = now - timedelta(seconds=settings.RELIEF_REMINDER_CLAIM_LEASE_SECONDS)
    with transaction.atomic():
        # Uses the partial index reminder_pending_due.
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=lease_start))
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Reminder.objects.filter(pk__in=ids).update(claimed_at=now)
            size = settings.RELIEF_REMINDER_TASK_SIZE
            chunks = [ids[i : i + size] for i in range(0, len(ids), size)]
            transaction.on_commit(lambda: [enqueue(chunk) for chunk in chunks])
    return ids
