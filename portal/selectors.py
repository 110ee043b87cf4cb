"""Portal reads: everything is scoped to the one signed-in client.

A record of another client is simply not found (404), as for staff.
"""

import phonenumbers
from django.db.models import F, Q
from django.http import Http404
from django.utils import timezone

from billing.models import Invoice
from billing.selectors import with_balance
from clients.models import Client
from practice.models import Appointment
from sessions.models import SessionNote

EMAIL = "email"
PHONE = "phone"


def normalise_address(raw: str) -> tuple[str, str] | None:
    """("email", lower-case address) or ("phone", E.164), or None for neither.

    The form checks the shape; this is what an address is compared as, so
    "Maria@Mail.test" and "(202) 555-0100" find what the desk typed.
    """
    raw = (raw or "").strip()
    if "@" in raw:
        return EMAIL, raw.lower()
    try:
        number = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return PHONE, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clients_for_address(kind: str, value: str) -> list[Client]:
    """Current clients with this email or phone (a family may share one)."""
    lookup = Q(email__iexact=value) if kind == EMAIL else Q(phone=value)
    return list(Client.objects.current().filter(lookup).order_by("first_name", "pk"))


def _appointments(client):
    return client.appointments.select_related("therapist", "service", "location")


def upcoming_appointments(client, *, now=None):
    """From now on, soonest first; cancelled ones stay listed, marked, so a cancel shows."""
    now = now or timezone.now()
    return list(_appointments(client).filter(starts_at__gte=now).order_by("starts_at")[:50])


def past_appointments(client, *, now=None, limit=20):
    now = now or timezone.now()
    return list(_appointments(client).filter(starts_at__lt=now).order_by("-starts_at")[:limit])


def get_appointment_for_client(client, appointment_id) -> Appointment:
    # The URL converter has parsed the id already; scoping by client is the rule.
    appointment = _appointments(client).filter(pk=appointment_id).first()
    if appointment is None:
        raise Http404
    return appointment


def home_care_advice(client, *, limit=10):
    """Home-care advice of the client's signed notes, newest first: nothing else clinical.

    Only the date, the therapist and the home-care text are read from the note
    (`values`), so no other field of a note ever reaches a portal template.
    """
    return list(
        SessionNote.objects.filter(client=client, status=SessionNote.Status.SIGNED)
        .exclude(home_care="")
        .order_by("-signed_at")
        .values("home_care", "signed_at", therapist_name=F("therapist__display_name"))[:limit]
    )


def receipts(client):
    """The client's issued invoices with what is still due, newest first."""
    return list(
        with_balance(Invoice.objects.filter(client=client, status=Invoice.Status.ISSUED))
        .select_related("appointment__location")
        .order_by("-issued_at")[:50]
    )


def get_receipt_for_client(client, invoice_id) -> Invoice:
    invoice = (
        Invoice.objects.filter(client=client, status=Invoice.Status.ISSUED, pk=invoice_id)
        .select_related("client", "appointment__therapist", "appointment__service")
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice
