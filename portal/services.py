"""Portal writes: sign-in codes and links, a client's own cancel, contact details.

Whether an address is known never changes what the caller is told:
`code_request` returns nothing, and `code_verify` answers None for every
failure alike.
"""

import logging
import secrets
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from clients.models import Client
from clients.tokens import hash_token, new_token
from practice import services as practice_services
from practice.models import Appointment
from practice.reminders import sms

from . import selectors
from .models import PortalCode
from .online import services as online_services

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
SEND_CODE_TASK = "portal.tasks.send_portal_code"
CLIENT_CANCEL_REASON = "Cancelled by client in the portal"
CANCELLABLE = (
    Appointment.Status.REQUESTED,
    Appointment.Status.BOOKED,
    Appointment.Status.CONFIRMED,
)


class LateCancel(ValidationError):
    """Inside the cancellation window: the client is to call the practice."""


def _code_hash(code_id, code: str) -> str:
    return salted_hmac("relief.portal.code", f"{code_id}:{code}", algorithm="sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _sms_enabled() -> bool:
    return bool(settings.RELIEF_SMS_REMINDERS_ENABLED and settings.RELIEF_SMS_BACKEND)


def link_url(raw_token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("portal:link", kwargs={"link_token": raw_token})


def code_request_queue(*, kind: str, address: str, base_url: str) -> None:
    """Have a worker run `code_request` after the commit. Looking the address up
    and sending the code inside the request made a known address answer
    measurably slower than an unknown one; queued, both do the same work."""
    transaction.on_commit(
        lambda: current_app.send_task(SEND_CODE_TASK, args=[kind, address, base_url])
    )


def code_request(*, kind: str, address: str, base_url: str, now=None) -> None:
    """Send a code (and, by email, a link) to `address` for each client it belongs to.

    Returns nothing on purpose: an unknown address, an SMS number while SMS
    is off, a failed send, all look like success to the caller.
    """
    now = now or timezone.now()
    if kind == selectors.PHONE and not _sms_enabled():
        return
    clients = selectors.clients_for_address(kind, address)
    if not clients:
        return
    channel = PortalCode.Channel.EMAIL if kind == selectors.EMAIL else PortalCode.Channel.SMS
    expires_at = now + timedelta(minutes=settings.RELIEF_PORTAL_CODE_MINUTES)
    sent = []
    with transaction.atomic():
        for client in clients:
            code = _new_code()
            row = PortalCode(
                client=client,
                channel=channel,
                sent_to=address,
                created_at=now,
                expires_at=expires_at,
            )
            row.code_hash = _code_hash(row.pk, code)
            raw_token = ""
            if channel == PortalCode.Channel.EMAIL:
                raw_token, row.link_hash = new_token()
            row.save()
            sent.append(
                {
                    "name": client.first_name_to_use,
                    "code": code,
                    "url": link_url(raw_token, base_url) if raw_token else "",
                }
            )
    try:
        if channel == PortalCode.Channel.EMAIL:
            _send_email(address, sent)
        else:
            _send_sms(address, sent)
    except Exception:
        # The page says the same either way; the client can ask again.
        logger.exception("Could not send a portal sign-in code by %s", channel)


def _message_context(codes: list[dict]) -> dict:
    return {
        "codes": codes,
        "several": len(codes) > 1,
        "minutes": settings.RELIEF_PORTAL_CODE_MINUTES,
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": settings.RELIEF_PRACTICE_PHONE,
    }


def _send_email(address: str, codes: list[dict]) -> None:
    context = _message_context(codes)
    subject = f"Your sign-in code: {codes[0]['code']}" if len(codes) == 1 else "Your sign-in codes"
    message = EmailMultiAlternatives(
        subject=f"{subject} · {settings.RELIEF_PRACTICE_NAME}",
        body=render_to_string("portal/email/code.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    message.attach_alternative(render_to_string("portal/email/code.html", context), "text/html")
    message.send(fail_silently=False)


def _send_sms(address: str, codes: list[dict]) -> None:
    body = render_to_string("portal/sms/code.txt", _message_context(codes)).strip()
    sms.send_sms(to=address, body=body)


def _use_up(client: Client, now) -> None:
    # Signing in spends every code and link still out for this client.
    PortalCode.objects.filter(client=client, used_at__isnull=True).update(used_at=now)


def code_verify(*, address: str, code: str, now=None) -> Client | None:
    """The client a correct, live code is for, or None (wrong, expired, used, too many tries)."""
    now = now or timezone.now()
    code = (code or "").strip()
    with transaction.atomic():
        live = list(
            PortalCode.objects.select_for_update()
            .filter(
                sent_to=address,
                used_at__isnull=True,
                expires_at__gt=now,
                attempts__lt=settings.RELIEF_PORTAL_CODE_TRIES,
            )
            .order_by("created_at", "pk")
        )
        match = next(
            (row for row in live if constant_time_compare(row.code_hash, _code_hash(row.pk, code))),
            None,
        )
        if match is None:
            # Which code the client meant is unknowable: every live one counts the try.
            PortalCode.objects.filter(pk__in=[row.pk for row in live]).update(
                attempts=F("attempts") + 1
            )
            return None
        client = Client.objects.current().filter(pk=match.client_id).first()
        if client is None:
            return None
        _use_up(client, now)
    return client


def link_sign_in(*, raw_token: str, now=None) -> Client | None:
    """The client of a live emailed link, spending it; None for any other link."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            PortalCode.objects.select_for_update()
            .filter(link_hash=hash_token(raw_token or ""), used_at__isnull=True, expires_at__gt=now)
            .exclude(link_hash="")
            .first()
        )
        if row is None:
            return None
        client = Client.objects.current().filter(pk=row.client_id).first()
        if client is None:
            return None
        _use_up(client, now)
    return client


def link_is_live(*, raw_token: str, now=None) -> bool:
    now = now or timezone.now()
    return (
        PortalCode.objects.filter(
            link_hash=hash_token(raw_token or ""), used_at__isnull=True, expires_at__gt=now
        )
        .exclude(link_hash="")
        .exists()
    )


def cancel_option(appointment: Appointment, now=None) -> str:
    """What the portal offers for an appointment: "online", "late" (online,
    recorded as a late cancel), "call" (inside the window: the phone number)
    or "closed" (over, cancelled, or already started)."""
    now = now or timezone.now()
    if appointment.status not in CANCELLABLE or appointment.starts_at <= now:
        return "closed"
    if appointment.status == Appointment.Status.REQUESTED:
        # Withdrawing a request nobody confirmed yet is never a late cancel.
        return "online"
    if not practice_services.is_late_cancel(appointment, now):
        return "online"
    return "late" if settings.RELIEF_CLIENT_LATE_CANCEL_ALLOWED else "call"


def appointment_cancel_by_client(
    *, client: Client, appointment: Appointment, now=None
) -> Appointment:
    """Cancel the client's own upcoming appointment through the booking service."""
    now = now or timezone.now()
    if appointment.client_id != client.pk:
        # Views scope by client first; this guards any other caller.
        raise ValidationError("This appointment is not yours to cancel.")
    if appointment.status not in CANCELLABLE or appointment.starts_at <= now:
        raise ValidationError("This appointment can no longer be cancelled online.")
    if cancel_option(appointment, now) == "call":
        raise LateCancel("This appointment is too soon to cancel online.")
    with transaction.atomic():
        cancelled = practice_services.appointment_cancel(
            appointment=appointment, by=None, reason=CLIENT_CANCEL_REASON, now=now
        )
        online_services.request_withdrawn(appointment=cancelled, now=now)
    return cancelled


@transaction.atomic
def contact_update(
    *, client: Client, email: str, phone, consent_email: bool, consent_sms: bool
) -> Client:
    """The client's own contact details and reminder consent per channel."""
    if not email and not phone:
        # Without either the client could never sign in again.
        raise ValidationError("Keep an email address or a mobile number, so you can sign in.")
    client = Client.objects.select_for_update().get(pk=client.pk)
    client.email = email
    client.phone = phone
    client.consent_email_reminders = consent_email
    client.consent_sms_reminders = consent_sms
    client.full_clean()
    client.save(
        update_fields=[
            "email",
            "phone",
            "consent_email_reminders",
            "consent_sms_reminders",
            "updated_at",
        ]
    )
    return client
