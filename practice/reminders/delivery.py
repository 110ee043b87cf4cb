"""Delivery: send one claimed reminder, exactly once, or record why not.

Called by the Celery tasks in tasks.py. The row stays locked from the check
to "sent", so a duplicate task finds it sent.
"""

import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone

from practice.models import Appointment, Reminder
from practice.reminders import messages
from practice.reminders.outbox import UPCOMING

Status = Reminder.Status


def _skip_reason(reminder: Reminder, now) -> str:
    appointment = reminder.appointment
    client = appointment.client
    if reminder.kind == Reminder.Kind.CANCELLATION:
        if appointment.status != Appointment.Status.CANCELLED:
            return "The appointment is no longer cancelled."
    elif appointment.status not in UPCOMING:
        return "The appointment is no longer upcoming."
    if appointment.starts_at <= now:
        return "The appointment time has passed."
    if reminder.channel == Reminder.Channel.EMAIL:
        if not client.consent_email_reminders:
            return "The client has not agreed to email reminders."
        if not client.email:
            return "No email address on file."
    else:
        if not client.consent_sms_reminders:
            return "The client has not agreed to SMS reminders."
        if not client.phone:
            return "No mobile number on file."
        if not settings.RELIEF_SMS_REMINDERS_ENABLED:
            return "SMS reminders are switched off."
    return ""


def _close(reminder: Reminder, status, **fields) -> None:
    reminder.status = status
    reminder.claimed_at = None
    for name, value in fields.items():
        setattr(reminder, name, value)
    reminder.save(update_fields=["status", "claimed_at", *fields])


# Everything a message needs, in one query. Built once: the chained calls
# cost a tenth of a millisecond per delivery.
_WITH_APPOINTMENT = Reminder.objects.select_related(
    "appointment__client", "appointment__therapist", "appointment__location"
).order_by()  # no ORDER BY or LIMIT on this hot single-row lookup
_LOCKED_WITH_APPOINTMENT = _WITH_APPOINTMENT.select_for_update(of=("self",), nowait=True)
_LOCK = Reminder.objects.select_for_update().order_by().values_list("pk", flat=True)

LOCK_NOT_AVAILABLE = "55P03"


def _first(queryset):
    return next(iter(queryset), None)


def reminder_deliver(*, reminder_id, now=None, email_connection=None) -> str:
    """Send one reminder if it is still due; idempotent. Returns what happened.

    The row stays locked from the check to "sent", so a second send task for
    the same reminder waits and then finds it sent. Raises when the channel
    fails (the caller records the failure). `email_connection`: an email
    backend to reuse (see messages.send).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = _first(_LOCKED_WITH_APPOINTMENT.filter(pk=reminder_id))
            return _deliver_locked(reminder, now=now, email_connection=email_connection)
    except OperationalError as exc:
        if getattr(exc.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE:
            raise
    # Someone holds the row: a move or cancel deciding about it, or another
    # task sending it. A select that waits for the lock still returns the
    # appointment as it was before the wait (only the locked row is read
    # again), so wait for the lock alone, then read.
    with transaction.atomic():
        _first(_LOCK.filter(pk=reminder_id))
        reminder = _first(_WITH_APPOINTMENT.filter(pk=reminder_id))
        return _deliver_locked(reminder, now=now, email_connection=email_connection)


def _deliver_locked(reminder: Reminder | None, *, now, email_connection) -> str:
    if reminder is None or reminder.status != Status.PENDING:
        return "not pending"
    if reminder.due_at > now:
        return "not due"  # moved since it was claimed; the dispatcher claims it again
    reason = _skip_reason(reminder, now)
    if reason:
        _close(reminder, Status.CANCELLED, skip_reason=reason)
        return "skipped"
    if reminder.channel == Reminder.Channel.SMS:
        tz = ZoneInfo(reminder.appointment.location.time_zone)
        allowed = messages.next_sending_time(now, tz=tz, hours=settings.RELIEF_SMS_SENDING_HOURS)
        if allowed > now:
            if allowed >= reminder.appointment.starts_at:
                _close(
                    reminder,
                    Status.CANCELLED,
                    skip_reason="Outside SMS sending hours until the appointment.",
                )
                return "skipped"
            reminder.due_at = allowed
            reminder.claimed_at = None
            reminder.save(update_fields=["due_at", "claimed_at"])
            return "deferred"
    if settings.RELIEF_REMINDER_TEST_SEND_DELAY:
        time.sleep(settings.RELIEF_REMINDER_TEST_SEND_DELAY)
    messages.send(reminder, now=now, email_connection=email_connection)
    _close(
        reminder,
        Status.SENT,
        sent_at=timezone.now(),
        attempts=reminder.attempts + 1,
        last_error="",
    )
    return "sent"


# Retry waits: 30 s, 1, 2, 4 min, then 5 min.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 300


def retry_wait(attempts: int) -> timedelta:
    """How long a reminder waits after its `attempts`-th failed attempt."""
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS))


def reminder_record_failure(*, reminder_id, error: str, now=None) -> str:
    """Keep the error; the reminder is due again after the backoff wait, or failed.

    The retry waits in the database, not on the broker: the dispatcher
    claims it again once due, so a broker restart or a lost message cannot
    lose it and no worker holds a message for it meanwhile. Returns
    "retrying" or "failed".
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.status != Status.PENDING:
            return "not pending"
        attempts = reminder.attempts + 1
        failure = {"attempts": attempts, "last_error": error[:2000]}
        if attempts > settings.RELIEF_REMINDER_MAX_RETRIES:
            _close(reminder, Status.FAILED, **failure)
            return "failed"
        _close(reminder, Status.PENDING, due_at=now + retry_wait(attempts), **failure)
        return "retrying"
