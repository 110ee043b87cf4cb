"""Billing pages: owner and front desk; therapists and everyone else get 404."""

from billing import services
from billing.models import Invoice, Payment
from tests.access_rows.personas import OWNER, OWNER_AND_FRONT_DESK

# A therapist's own takings page: both therapists, each seeing only their own.
THERAPISTS = frozenset({"therapist", "other_therapist"})

ACCESS = {
    "billing:checkout": OWNER_AND_FRONT_DESK,
    "billing:invoice": OWNER_AND_FRONT_DESK,
    # POST-only endpoints answer 405 to a GET from someone who may use them.
    "billing:line_add": OWNER_AND_FRONT_DESK,
    "billing:line_remove": OWNER_AND_FRONT_DESK,
    "billing:issue": OWNER_AND_FRONT_DESK,
    "billing:void": OWNER_AND_FRONT_DESK,
    "billing:waive": OWNER_AND_FRONT_DESK,
    "billing:payment_add": OWNER_AND_FRONT_DESK,
    "billing:refund_add": OWNER_AND_FRONT_DESK,
    "billing:receipt": OWNER_AND_FRONT_DESK,
    "billing:receipt_email": OWNER_AND_FRONT_DESK,
    "billing:day_sheet": OWNER_AND_FRONT_DESK,
    "billing:my_takings": THERAPISTS,
    "billing:package_pay": OWNER_AND_FRONT_DESK,
    "billing:gift_card_pay": OWNER_AND_FRONT_DESK,
    "billing:sell": OWNER_AND_FRONT_DESK,
    "billing:sell_package": OWNER_AND_FRONT_DESK,
    "billing:sell_gift_card": OWNER_AND_FRONT_DESK,
    "billing:package_products": OWNER,
}


def sample_kwargs(world):
    invoice = services.invoice_open_for_appointment(appointment=world.appointment, by=None)
    line = invoice.lines.first()
    services.invoice_issue(invoice=invoice, by=None)
    invoice = Invoice.objects.get(pk=invoice.pk)
    payment = Payment.objects.create(
        invoice=invoice, method="cash", amount="1.00", received_at=invoice.issued_at
    )
    return {
        "invoice_id": invoice.pk,
        "line_id": line.pk,
        "payment_id": payment.pk,
        "client_id": world.client.pk,
    }
