"""Receipts as PDF (WeasyPrint): what a client's health insurer asks for.

Practice name, address and tax number; the therapist's name, credentials and
licence number; the date and the service; amounts and payments.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from . import selectors


def receipt_context(invoice) -> dict:
    appointment = invoice.appointment
    location = appointment.location if appointment else None
    return {
        "invoice": invoice,
        **selectors.invoice_detail(invoice),
        "practice_name": settings.RELIEF_PRACTICE_NAME,
        "practice_phone": settings.RELIEF_PRACTICE_PHONE,
        "tax_number": settings.RELIEF_TAX_NUMBER,
        "location": location,
        "therapist": appointment.therapist if appointment else None,
        "service_date": (
            timezone.localtime(appointment.starts_at, ZoneInfo(location.time_zone))
            if appointment
            else None
        ),
        "currency": invoice.currency,
    }


def receipt_pdf(invoice, *, base_url: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which no other page needs.
    from weasyprint import HTML

    html = render_to_string("billing/receipt.html", receipt_context(invoice))
    return HTML(string=html, base_url=base_url).write_pdf()
