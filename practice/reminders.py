"""The reminder outbox: Reminder rows follow their appointment.

reminders_schedule / _reschedule / _cancel are called by the appointment
services inside their transaction, so a booking and its reminders commit (or
roll back) together. reminders_claim_due, reminder_deliver and
reminder_record_failure are the sending side, called by the Celery tasks in
practice/tasks.py; reminder_resend is the staff action.
"""

import logging
import time
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import messaging
from .models import Appointment, Reminder

logger = logging.getLogger(__name__)

Status = Reminder.Status
UPCOMING = (Appointment.Status.BOOKED, Appointment.Status.CONFIRMED)

OFFSET_KINDS = {48: Reminder.Kind.BEFORE_48H, 2: Reminder.Kind.BEFORE_2H}


def _channels(client) -> list[str]:
    channels = []
    if client.consent_email_reminders and client.email:
        channels.append(Reminder.Channel.EMAIL)
    if client.consent_sms_reminders and client.phone and settings.RELIEF_SMS_REMINDERS_ENABLED:
        channels.append(Reminder.Channel.SMS)
    return channels


def _before_kinds(appointment: Appointment):
    # In UTC: subtracting from a local datetime would count wall-clock hours,
    # off by one across a daylight-saving change.
    starts_at = appointment.starts_at.astimezone(UTC)
    for hours in settings.RELIEF_REMINDER_OFFSETS_HOURS:
        kind = OFFSET_KINDS.get(hours)
        if kind is not None:
            yield kind, starts_at - timedelta(hours=hours)


def reminders_schedule(*, appointment: Appointment, now=None) -> list[Reminder]:
    """Create the confirmation and the before-appointment reminders of a booking."""
    now = now or timezone.now()
    grace = timedelta(minutes=settings.RELIEF_CONFIRMATION_GRACE_MINUTES)
    rows = []
    for channel in _channels(appointment.client):
        rows.append(
            Reminder(
                appointment=appointment,
                channel=channel,
                kind=Reminder.Kind.CONFIRMATION,
                due_at=now + grace,
            )
        )
        for kind, due_at in _before_kinds(appointment):
            if due_at > now:
                rows.append(
                    Reminder(appointment=appointment, channel=channel, kind=kind, due_at=due_at)
                )
    # ignore_conflicts: scheduling twice never makes a second row (unique per kind).
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


def _bump_sequence(appointment: Appointment) -> None:
    """New iCalendar version of the event; links sent for the old one stop working."""
    Appointment.objects.filter(pk=appointment.pk).update(sequence=F("sequence") + 1)
    appointment.sequence += 1


def _rearm(reminder: Reminder, due_at) -> None:
    """Make a reminder pending again; a new send round if it already went out."""
    if reminder.status == Status.SENT:
        reminder.send_round += 1
    reminder.due_at = due_at
    reminder.status = Status.PENDING
    reminder.sent_at = None
    reminder.claimed_at = None
    reminder.attempts = 0
    reminder.last_error = ""
    reminder.skip_reason = ""
    reminder.save()


def reminders_reschedule(*, appointment: Appointment, now=None) -> None:
    """Move the before-appointment reminders to the appointment's new time.

    A confirmation already sent goes out again (after the grace delay) with the
    new time and a new iCalendar SEQUENCE.
    """
    now = now or timezone.now()
    _bump_sequence(appointment)
    grace = timedelta(minutes=settings.RELIEF_CONFIRMATION_GRACE_MINUTES)
    for confirmation in appointment.reminders.filter(
        kind=Reminder.Kind.CONFIRMATION, status__in=[Status.SENT, Status.FAILED]
    ):
        _rearm(confirmation, now + grace)
    due = dict(_before_kinds(appointment))
    for reminder in appointment.reminders.filter(kind__in=list(due)):
        new_due = due[reminder.kind]
        if new_due <= now:
            if reminder.status == Reminder.Status.PENDING:
                reminder.status = Reminder.Status.CANCELLED
                reminder.skip_reason = "Rescheduled too close to the appointment."
                reminder.save(update_fields=["status", "skip_reason"])
            continue
        # A reminder already sent for the old time is due again for the new one.
        _rearm(reminder, new_due)
    existing = set(appointment.reminders.values_list("channel", "kind"))
    missing = [
        Reminder(appointment=appointment, channel=channel, kind=kind, due_at=due_at)
        for channel in _channels(appointment.client)
        for kind, due_at in due.items()
        if due_at > now and (channel, kind) not in existing
    ]
    Reminder.objects.bulk_create(missing, ignore_conflicts=True)


def reminders_cancel(*, appointment: Appointment, notify: bool = True, now=None) -> None:
    """Cancel what is still pending; queue a cancellation notice to the client.

    The notice goes only by the channels that already told the client about
    the booking: a booking cancelled within the grace delay sends nothing.
    """
    now = now or timezone.now()
    _bump_sequence(appointment)
    told = set(appointment.reminders.filter(status=Status.SENT).values_list("channel", flat=True))
    appointment.reminders.filter(status=Status.PENDING).exclude(
        kind=Reminder.Kind.CANCELLATION
    ).update(status=Status.CANCELLED, skip_reason="Appointment cancelled.", claimed_at=None)
    if notify:
        Reminder.objects.bulk_create(
            [
                Reminder(
                    appointment=appointment,
                    channel=channel,
                    kind=Reminder.Kind.CANCELLATION,
                    due_at=now,
                )
                for channel in _channels(appointment.client)
                if channel in told
            ],
            ignore_conflicts=True,
        )


# Sending side ------------------------------------------------------------


def reminders_claim_due(*, now=None, limit=None, enqueue=None) -> list:
    """Claim due pending reminders and queue their sending after commit.

    The claimed ids go out in chunks of RELIEF_REMINDER_TASK_SIZE, one send
    task per chunk: a task costs the worker more than sending one reminder.
    skip_locked lets two dispatchers run at once without claiming the same
    row, and skips rows a worker is sending right now (it holds their lock).
    A claim older than the lease (lost message, dead worker) is claimed again.
    """
    now = now or timezone.now()
    limit = limit or settings.RELIEF_REMINDER_BATCH_SIZE
    lease_start = now - timedelta(seconds=settings.RELIEF_REMINDER_CLAIM_LEASE_SECONDS)
    if enqueue is None:
        from .tasks import reminders_send

        def enqueue(chunk):
            reminders_send.delay([str(pk) for pk in chunk])

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


# The row lock and everything a message needs, in one query. Built once: the
# chained calls cost a tenth of a millisecond per delivery.
_LOCKED_WITH_APPOINTMENT = (
    Reminder.objects.select_for_update(of=("self",))
    .select_related("appointment__client", "appointment__therapist", "appointment__location")
    .order_by()  # no ORDER BY or LIMIT on this hot single-row lookup
)


def reminder_deliver(*, reminder_id, now=None, email_connection=None) -> str:
    """Send one reminder if it is still due; idempotent. Returns what happened.

    The row stays locked from the check to "sent", so a second send task for
    the same reminder waits and then finds it sent. Raises when the channel
    fails (the task records the failure and retries). `email_connection`: an
    email backend to reuse (see messaging.send).
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = next(iter(_LOCKED_WITH_APPOINTMENT.filter(pk=reminder_id)), None)
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
            allowed = messaging.next_sending_time(
                now, tz=tz, hours=settings.RELIEF_SMS_SENDING_HOURS
            )
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
        messaging.send(reminder, now=now, email_connection=email_connection)
        _close(
            reminder,
            Status.SENT,
            sent_at=timezone.now(),
            attempts=reminder.attempts + 1,
            last_error="",
        )
    return "sent"


def reminder_record_failure(*, reminder_id, error: str, final: bool, now=None) -> None:
    """Keep the error; on the last attempt the reminder ends as failed."""
    now = now or timezone.now()
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.status != Status.PENDING:
            return
        failure = {"attempts": reminder.attempts + 1, "last_error": error[:2000]}
        if final:
            _close(reminder, Status.FAILED, **failure)
        else:
            reminder.attempts = failure["attempts"]
            reminder.last_error = failure["last_error"]
            # Renew the lease while the retry waits, so the sweep leaves it alone.
            reminder.claimed_at = now
            reminder.save(update_fields=["attempts", "last_error", "claimed_at"])


def reminder_resend(*, reminder: Reminder, by, now=None) -> Reminder:
    """Send a sent or failed reminder again, now (staff action)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("appointment")
            .get(pk=reminder.pk)
        )
        if locked.status not in (Status.SENT, Status.FAILED):
            raise ValidationError("Only a sent or failed reminder can be sent again.")
        appointment = locked.appointment
        if locked.kind == Reminder.Kind.CANCELLATION:
            if appointment.status != Appointment.Status.CANCELLED:
                raise ValidationError("The appointment is no longer cancelled.")
        elif appointment.status not in UPCOMING:
            raise ValidationError("The appointment is no longer upcoming.")
        if appointment.starts_at <= now:
            raise ValidationError("The appointment time has passed.")
        _rearm(locked, now)
    logger.info("Reminder %s queued again by %s", locked.pk, by)
    return locked
