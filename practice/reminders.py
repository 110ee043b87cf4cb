"""The reminder outbox: Reminder rows follow their appointment.

Called by the appointment services inside their transaction, so a booking and
its reminders commit (or roll back) together. Sending is the Celery tasks' job.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Appointment, Reminder

OFFSET_KINDS = {48: Reminder.Kind.BEFORE_48H, 2: Reminder.Kind.BEFORE_2H}


def _channels(client) -> list[str]:
    channels = []
    if client.consent_email_reminders and client.email:
        channels.append(Reminder.Channel.EMAIL)
    if client.consent_sms_reminders and client.phone:
        channels.append(Reminder.Channel.SMS)
    return channels


def _before_kinds(appointment: Appointment):
    for hours in settings.RELIEF_REMINDER_OFFSETS_HOURS:
        kind = OFFSET_KINDS.get(hours)
        if kind is not None:
            yield kind, appointment.starts_at - timedelta(hours=hours)


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


def reminders_reschedule(*, appointment: Appointment, now=None) -> None:
    """Move the before-appointment reminders to the appointment's new time."""
    now = now or timezone.now()
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
        reminder.due_at = new_due
        reminder.status = Reminder.Status.PENDING
        reminder.sent_at = None
        reminder.claimed_at = None
        reminder.attempts = 0
        reminder.last_error = ""
        reminder.skip_reason = ""
        reminder.save()
    existing = set(appointment.reminders.values_list("channel", "kind"))
    missing = [
        Reminder(appointment=appointment, channel=channel, kind=kind, due_at=due_at)
        for channel in _channels(appointment.client)
        for kind, due_at in due.items()
        if due_at > now and (channel, kind) not in existing
    ]
    Reminder.objects.bulk_create(missing, ignore_conflicts=True)


def reminders_cancel(*, appointment: Appointment, notify: bool = True, now=None) -> None:
    """Cancel what is still pending; queue a cancellation notice to the client."""
    now = now or timezone.now()
    appointment.reminders.filter(status=Reminder.Status.PENDING).exclude(
        kind=Reminder.Kind.CANCELLATION
    ).update(status=Reminder.Status.CANCELLED, skip_reason="Appointment cancelled.")
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
            ],
            ignore_conflicts=True,
        )
