"""Recording freed time, in the transaction of the change that freed it.

Called by the booking services (practice/services.py). Only models here, so
the booking services can import it without a circle; the matcher runs in
practice.waitlist.tasks, queued by name after commit and swept by beat.
"""

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from practice.waitlist.models import FreedTime, WaitlistEntry

logger = logging.getLogger(__name__)

PROCESS_TASK = "practice.waitlist.tasks.waitlist_process"


def _queue_matching():
    try:
        current_app.send_task(PROCESS_TASK)
    except Exception:
        # A broker that is down delays the offers until beat's next sweep.
        logger.warning("Could not queue waitlist matching; beat's sweep will do it")


def freed_time_record(*, therapist_id, location_id, starts_at, ends_at, reason, now=None):
    """Note that the therapist is free over [starts_at, ends_at), when ahead and anyone waits."""
    now = now or timezone.now()
    if (
        ends_at <= now
        or not WaitlistEntry.objects.filter(status__in=WaitlistEntry.OPEN_STATUSES).exists()
    ):
        return None
    row = FreedTime.objects.create(
        therapist_id=therapist_id,
        location_id=location_id,
        starts_at=max(starts_at, now),
        ends_at=ends_at,
        reason=reason,
        created_at=now,
    )
    transaction.on_commit(_queue_matching)
    return row
