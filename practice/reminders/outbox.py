"""The reminder outbox: Reminder rows follow their appointment.

reminders_schedule / _reschedule / _cancel are called by the appointment
services inside their transaction, so a booking and its reminders commit (or
roll back) together; reminder_resend is the staff action. Sending is
dispatch.py (claiming due rows) and delivery.py (sending one).
"""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from practice.models import Appointment, Reminder

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


def reminders_schedule(
    *, appointment: Appointment, now=None, confirmation: bool = True
) -> list[Reminder]:
    """Create the confirmation and the before-appointment reminders of a booking.

    A recurring series asks for the confirmation on its first booked date only
    (`confirmation=False` for the rest): that one message lists the series,
    where one per date sent six emails and six texts in the same second.
    """
    now = now or timezone.now()
    grace = timedelta(minutes=settings.RELIEF_CONFIRMATION_GRACE_MINUTES)
    rows = []
    for channel in _channels(appointment.client):
        if confirmation:
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


def _hand_on_series_confirmation(appointment, unsent, now) -> None:
    """The series' one confirmation rode on this date, which is cancelled before
    it went: the next date still booked carries it, or the series is never
    announced."""
    following = (
        Appointment.objects.filter(
            series_id=appointment.series_id,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
        )
        .exclude(pk=appointment.pk)
        .order_by("starts_at")
        .first()
    )
    if following is None:
        return
    Reminder.objects.bulk_create(
        [
            Reminder(
                appointment=following,
                channel=reminder.channel,
                kind=Reminder.Kind.CONFIRMATION,
                due_at=max(reminder.due_at, now),
            )
            for reminder in unsent
        ],
        ignore_conflicts=True,
    )


def _locked_reminders(appointment: Appointment) -> list[Reminder]:
    """The appointment's reminders, locked, in a fixed order.

    A worker holds a reminder's lock from its check to "sent", so a change
    waits here for a send in progress and decides on what the client was
    really told, and its writes never put back a copy read before the send.
    """
    return list(Reminder.objects.select_for_update().filter(appointment=appointment).order_by("pk"))


def _offered(reminder: Reminder) -> bool:
    """Whether a provider may have seen this round's idempotency key."""
    return reminder.status in (Status.SENT, Status.FAILED) or reminder.attempts > 0


def _rearm(reminder: Reminder, due_at, *, new_details: bool) -> None:
    """Make a reminder pending again, in a new send round once it went out.

    With new details (a move) any round a provider may have seen is closed:
    a provider that deduplicates on the key would drop the new message.
    """
    if reminder.status == Status.SENT or (new_details and _offered(reminder)):
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

    A confirmation already sent (or tried) goes out again after the grace
    delay, with the new time and a new iCalendar SEQUENCE; one not tried yet
    goes out at its time with the new details.
    """
    now = now or timezone.now()
    reminders = _locked_reminders(appointment)
    _bump_sequence(appointment)
    grace = timedelta(minutes=settings.RELIEF_CONFIRMATION_GRACE_MINUTES)
    due = dict(_before_kinds(appointment))
    for reminder in reminders:
        if reminder.kind == Reminder.Kind.CONFIRMATION:
            if _offered(reminder):
                _rearm(reminder, now + grace, new_details=True)
        elif reminder.kind in due:
            if due[reminder.kind] > now:
                # A reminder already sent for the old time is due again for the new one.
                _rearm(reminder, due[reminder.kind], new_details=True)
            elif reminder.status == Status.PENDING:
                reminder.status = Status.CANCELLED
                reminder.skip_reason = "Rescheduled too close to the appointment."
                reminder.save(update_fields=["status", "skip_reason"])
    existing = {(reminder.channel, reminder.kind) for reminder in reminders}
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
    reminders = _locked_reminders(appointment)
    _bump_sequence(appointment)
    told = {reminder.channel for reminder in reminders if reminder.status == Status.SENT}
    if appointment.series_id is not None:
        # A later date of a series was announced by the series' one confirmation.
        told |= set(
            Reminder.objects.filter(
                appointment__series_id=appointment.series_id,
                kind=Reminder.Kind.CONFIRMATION,
                status=Status.SENT,
            ).values_list("channel", flat=True)
        )
    Reminder.objects.filter(
        pk__in=[
            reminder.pk
            for reminder in reminders
            if reminder.status == Status.PENDING and reminder.kind != Reminder.Kind.CANCELLATION
        ]
    ).update(status=Status.CANCELLED, skip_reason="Appointment cancelled.", claimed_at=None)
    unsent = [
        r for r in reminders if r.kind == Reminder.Kind.CONFIRMATION and r.status == Status.PENDING
    ]
    if appointment.series_id is not None and unsent:
        _hand_on_series_confirmation(appointment, unsent, now)
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
        # The same message again: a provider that kept a failed attempt drops the copy.
        _rearm(locked, now, new_details=False)
    logger.info("Reminder %s queued again by %s", locked.pk, by)
    return locked
