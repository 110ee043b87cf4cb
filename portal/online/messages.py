"""The messages of online booking: booked (the confirmation, with the intake
link for a new client), request received, declined, expired.

Like reminders they carry no clinical content. Sent by `portal.tasks`, once:
the booked/requested message marks its row, so a retried task sends nothing.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clients import services as clients_services
from portal.models import OnlineBooking
from practice.models import Appointment
from practice.reminders import messages as messaging
from practice.reminders import sms

SUBJECTS = {
    "booked": "Your appointment is booked",
    "requested": "We have your booking request",
    "declined": "We could not take your booking request",
    "expired": "Your booking request has lapsed",
}
# Sent once per booking (marked on the row); the answers to a request are one per request anyway.
FIRST_MESSAGES = ("booked", "requested")


def online_message_send(*, appointment_id, kind: str, base_url: str, now=None) -> bool:
    """Email (or, with no email, text) the client about their online booking.

    Returns whether something was sent. A new client's first message carries
    a fresh intake link; its token exists only in this message.
    """
    now = now or timezone.now()
    if kind not in SUBJECTS:
        raise ValueError(f"Unknown online message {kind!r}")
    with transaction.atomic():
        booking = (
            OnlineBooking.objects.select_for_update(of=("self",))
            .select_related(
                "appointment__client",
                "appointment__therapist",
                "appointment__location",
                "appointment__service",
            )
            .filter(appointment_id=appointment_id)
            .first()
        )
        if booking is None:
            return False
        if kind in FIRST_MESSAGES and booking.message_sent_at is not None:
            return False
        appointment = booking.appointment
        client = appointment.client
        if kind == "booked" and appointment.status != Appointment.Status.BOOKED:
            return False
        context = {
            **messaging.appointment_details(appointment),
            "kind": kind,
            "service": appointment.service.name,
            "portal_url": base_url.rstrip("/") + reverse("portal:home"),
            "intake_url": "",
            "reason": booking.decline_reason,
        }
        if kind in FIRST_MESSAGES and booking.new_client and client.email:
            _, raw = clients_services.intake_link_create(client=client, now=now)
            context["intake_url"] = clients_services.intake_link_url(raw, base_url)
        if kind in FIRST_MESSAGES:
            booking.message_sent_at = now
            booking.save(update_fields=["message_sent_at"])
        # Sent inside the transaction: a failed send rolls the mark (and the
        # link) back and the task retries.
        if client.email:
            _email(client.email, kind, context)
        elif client.phone and settings.RELIEF_SMS_BACKEND:
            body = render_to_string("portal/online/sms/message.txt", context).strip()
            sms.send_sms(to=str(client.phone), body=body)
        else:
            return False
    return True


def _email(address: str, kind: str, context: dict) -> None:
    message = EmailMultiAlternatives(
        subject=f"{SUBJECTS[kind]} · {settings.RELIEF_PRACTICE_NAME}",
        body=render_to_string("portal/online/email/message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    message.attach_alternative(
        render_to_string("portal/online/email/message.html", context), "text/html"
    )
    message.send(fail_silently=False)
