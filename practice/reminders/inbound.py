"""Texts clients send back: C confirms the next appointment, X cancels it inside
the policy, anything else waits in the front desk's inbox.

The provider's webhook (views.sms_inbound) checks the signature and calls
`sms_receive`; the reply goes back through the SMS backend after commit.
A provider retrying its webhook delivers the same message id again, which is
answered as before and not acted on twice.
"""

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client
from practice import services as practice_services
from practice.models import Appointment, SmsInbound
from practice.reminders import sms

logger = logging.getLogger(__name__)

CONFIRM_WORDS = {"C", "CONFIRM", "CONFIRMED"}
CANCEL_WORDS = {"X", "CANCEL"}
TEXT_CANCEL_REASON = "Cancelled by client by text"
Action = SmsInbound.Action


def _command(body: str) -> str:
    word = body.strip().strip(".!").upper()
    if word in CONFIRM_WORDS:
        return "confirm"
    if word in CANCEL_WORDS:
        return "cancel"
    return ""


def _clients_for(number: str) -> list[Client]:
    return list(Client.objects.current().filter(phone=number).order_by("pk"))


def _next_appointment(clients, now) -> Appointment | None:
    return (
        Appointment.objects.filter(
            client__in=clients,
            starts_at__gt=now,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CONFIRMED],
        )
        .select_related("location", "therapist", "client")
        .order_by("starts_at")
        .first()
    )


def _when(appointment: Appointment) -> str:
    local = timezone.localtime(appointment.starts_at, ZoneInfo(appointment.location.time_zone))
    return f"{local:%a} {local.day} {local:%b} at {local:%H:%M}"


def _phone(appointment=None) -> str:
    location_phone = appointment.location.phone if appointment is not None else ""
    return location_phone or settings.RELIEF_PRACTICE_PHONE


def _act(command: str, clients, now) -> tuple[str, Appointment | None, str]:
    """(action, appointment, reply) for a C or X."""
    name = settings.RELIEF_PRACTICE_NAME
    appointment = _next_appointment(clients, now) if clients else None
    if appointment is None:
        return (
            Action.NOTHING,
            None,
            f"{name}: we found no upcoming appointment for this number. Call us on {_phone()}.",
        )
    when = _when(appointment)
    if command == "confirm":
        if appointment.status == Appointment.Status.BOOKED:
            practice_services.appointment_confirm(appointment=appointment)
        return Action.CONFIRMED, appointment, f"{name}: thank you, {when} is confirmed."
    if practice_services.is_late_cancel(appointment, now) and not (
        settings.RELIEF_CLIENT_LATE_CANCEL_ALLOWED
    ):
        return (
            Action.CALL,
            appointment,
            f"{name}: {when} is less than {settings.RELIEF_LATE_CANCEL_HOURS} hours away, "
            f"so please call us on {_phone(appointment)} to cancel.",
        )
    practice_services.appointment_cancel(
        appointment=appointment, by=None, reason=TEXT_CANCEL_REASON, notify=False, now=now
    )
    return (
        Action.CANCELLED,
        appointment,
        f"{name}: {when} is cancelled. To book again call {_phone(appointment)}.",
    )


def sms_receive(*, provider_id: str, from_number: str, body: str, now=None) -> SmsInbound:
    """Record an incoming text, act on C or X, and send the reply after commit."""
    now = now or timezone.now()
    body = (body or "")[:2000]
    existing = SmsInbound.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    clients = _clients_for(from_number)
    command = _command(body)
    try:
        with transaction.atomic():
            if command:
                action, appointment, reply = _act(command, clients, now)
            else:
                action, appointment = Action.INBOX, None
                reply = (
                    f"{settings.RELIEF_PRACTICE_NAME}: thank you, the front desk will read "
                    "your message. Reply C to confirm or X to cancel your next appointment."
                )
            row = SmsInbound.objects.create(
                provider_id=provider_id,
                from_number=from_number,
                body=body,
                received_at=now,
                client=clients[0] if clients else None,
                action=action,
                appointment=appointment,
                reply=reply,
            )
            transaction.on_commit(lambda: _send_reply(from_number, reply, provider_id))
    except IntegrityError:
        # The same message, delivered twice at once: the other request answered it.
        return SmsInbound.objects.get(provider_id=provider_id)
    return row


def _send_reply(to: str, body: str, provider_id: str) -> None:
    try:
        sms.send_sms(to=to, body=body, idempotency_key=f"reply-{provider_id}")
    except Exception:
        logger.exception("Could not send the reply to text %s", provider_id)


def sms_mark_handled(*, message: SmsInbound, by) -> SmsInbound:
    with transaction.atomic():
        locked = SmsInbound.objects.select_for_update().get(pk=message.pk)
        if locked.handled_at is None:
            locked.handled_at = timezone.now()
            locked.handled_by = by
            locked.save(update_fields=["handled_at", "handled_by"])
    return locked
