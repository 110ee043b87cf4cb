"""What a waitlist offer says and how it goes out: email and, with consent, SMS.

Like reminders, the message names the practice, the local time, the
therapist and the place, never the service (it can reveal a condition).
"""

import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from practice.reminders import sms
from practice.waitlist.models import WaitlistOffer

logger = logging.getLogger(__name__)


def offer_url(raw_token: str) -> str:
    return settings.RELIEF_BASE_URL.rstrip("/") + reverse(
        "portal:waitlist_offer", kwargs={"offer_token": raw_token}
    )


def offer_details(offer: WaitlistOffer) -> dict:
    """What a client may be told about an offered time, on its location's clock."""
    tz = ZoneInfo(offer.location.time_zone)
    local = timezone.localtime(offer.starts_at, tz)
    expires = timezone.localtime(offer.expires_at, tz)
    return {
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": offer.location.phone or settings.RELIEF_PRACTICE_PHONE,
        "client_name": offer.entry.client.first_name_to_use,
        "therapist": offer.therapist.display_name,
        "location_name": offer.location.name,
        "address": offer.location.address,
        "date": f"{local:%A} {local.day} {local:%B %Y}",
        "short_date": f"{local:%a} {local.day} {local:%b}",
        "time": f"{local:%H:%M}",
        "time_zone": local.tzname(),
        "expires": f"{expires:%a} {expires.day} {expires:%b} {expires:%H:%M}",
    }


def _sms_on() -> bool:
    return bool(settings.RELIEF_SMS_REMINDERS_ENABLED and settings.RELIEF_SMS_BACKEND)


def offer_send(*, offer: WaitlistOffer, raw_token: str, now=None) -> list[str]:
    """Email the offer, and text it where the client agreed to texts; the channels used.

    A failed channel is logged and kept on the offer; the offer itself stays
    open, visible in the portal and to the front desk.
    """
    now = now or timezone.now()
    client = offer.entry.client
    context = {**offer_details(offer), "url": offer_url(raw_token)}
    used, errors = [], []
    if client.email:
        try:
            message = EmailMultiAlternatives(
                subject=(
                    f"A time came free: {context['short_date']} at {context['time']}"
                    f" · {context['practice_name']}"
                ),
                body=render_to_string("practice/waitlist/email/offer.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[client.email],
                headers={"X-Relief-Waitlist-Offer": str(offer.pk)},
            )
            message.attach_alternative(
                render_to_string("practice/waitlist/email/offer.html", context), "text/html"
            )
            message.send(fail_silently=False)
            used.append("email")
        except Exception as exc:
            logger.warning("Waitlist offer %s: email failed: %s", offer.pk, exc)
            errors.append(f"email: {type(exc).__name__}: {exc}")
    if client.phone and client.consent_sms_reminders and _sms_on():
        try:
            body = render_to_string("practice/waitlist/sms/offer.txt", context).strip()
            sms.send_sms(to=str(client.phone), body=body, idempotency_key=f"offer-{offer.pk}")
            used.append("sms")
        except Exception as exc:
            logger.warning("Waitlist offer %s: SMS failed: %s", offer.pk, exc)
            errors.append(f"sms: {type(exc).__name__}: {exc}")
    WaitlistOffer.objects.filter(pk=offer.pk).update(
        sent_at=now if used else None, send_error="; ".join(errors)[:500]
    )
    return used
