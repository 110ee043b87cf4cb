"""Billing writes: checkout drafts, lines, issuing, voiding, payments, refunds.

Every function validates, runs in one transaction, and raises
ValidationError (or PermissionDenied) for anything a user can act on.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from practice.models import Appointment
from practice.security.access import Role, roles_of

from . import money
from .models import Invoice, InvoiceLine, InvoiceSequence, Payment, Refund

SEQUENCE = "invoice"
# Appointments there is nothing to charge for (their fees come as fee lines).
NOT_BILLABLE = (Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW)


def _locked_draft(invoice: Invoice) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not locked.is_draft:
        raise ValidationError("This invoice is already issued; void it to correct it.")
    return locked


def invoice_open_for_appointment(*, appointment: Appointment, by) -> Invoice:
    """The appointment's draft invoice, created with its service line on first checkout."""
    existing = Invoice.objects.filter(appointment=appointment, status=Invoice.Status.DRAFT).first()
    if existing is not None:
        return existing
    if appointment.status in NOT_BILLABLE:
        raise ValidationError(
            f"This appointment is {appointment.get_status_display().lower()}: "
            "there is no session to charge for."
        )
    service = appointment.service
    net, tax = money.line_amounts(
        quantity=1, unit_price=service.price, tax_rate=settings.RELIEF_DEFAULT_TAX_RATE
    )
    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                client=appointment.client,
                appointment=appointment,
                currency=settings.RELIEF_CURRENCY,
                created_by=by,
            )
            InvoiceLine.objects.create(
                invoice=invoice,
                kind=InvoiceLine.Kind.SERVICE,
                description=service.name,
                service=service,
                therapist=appointment.therapist,
                quantity=1,
                unit_price=service.price,
                tax_rate=settings.RELIEF_DEFAULT_TAX_RATE,
                net=net,
                tax=tax,
            )
    except IntegrityError:
        # Two desks opened checkout at once: the other one's draft is the draft.
        return Invoice.objects.get(appointment=appointment, status=Invoice.Status.DRAFT)
    return invoice


def invoice_add_line(
    *,
    invoice: Invoice,
    kind,
    description,
    unit_price,
    by,
    quantity=1,
    tax_rate=None,
    therapist=None,
) -> InvoiceLine:
    """Add a product, tip, fee or credit line to a draft."""
    tax_rate = settings.RELIEF_DEFAULT_TAX_RATE if tax_rate is None else Decimal(tax_rate)
    if kind == InvoiceLine.Kind.TIP:
        tax_rate = Decimal(0)  # a tip is the therapist's, not a sale
        if therapist is None and invoice.appointment_id:
            therapist = invoice.appointment.therapist
    unit_price = money.to_money(unit_price)
    if kind == InvoiceLine.Kind.CREDIT:
        unit_price = -abs(unit_price)
    net, tax = money.line_amounts(quantity=quantity, unit_price=unit_price, tax_rate=tax_rate)
    with transaction.atomic():
        locked = _locked_draft(invoice)
        line = InvoiceLine(
            invoice=locked,
            kind=kind,
            description=description,
            therapist=therapist,
            quantity=quantity,
            unit_price=unit_price,
            tax_rate=tax_rate,
            net=net,
            tax=tax,
        )
        line.full_clean()
        line.save()
        totals = money.invoice_totals(locked.lines.values_list("net", "tax"))
        if totals["total"] < 0:
            raise ValidationError("Credits cannot exceed what the invoice charges.")
    return line


def invoice_remove_line(*, line: InvoiceLine, by) -> None:
    with transaction.atomic():
        _locked_draft(line.invoice)
        line.delete()


def invoice_issue(*, invoice: Invoice, by, now=None) -> Invoice:
    """Fix the lines and totals and give the next invoice number.

    The sequence row is locked until commit, so concurrent issues queue for it
    and a rolled-back issue gives its number back: numbers have no gaps.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_draft(invoice)
        lines = list(locked.lines.values_list("net", "tax"))
        if not lines:
            raise ValidationError("Add at least one line before issuing.")
        totals = money.invoice_totals(lines)
        sequence, _ = InvoiceSequence.objects.get_or_create(name=SEQUENCE)
        sequence = InvoiceSequence.objects.select_for_update().get(pk=sequence.pk)
        sequence.last_number += 1
        sequence.save(update_fields=["last_number"])
        locked.number = sequence.last_number
        locked.status = Invoice.Status.ISSUED
        locked.issued_at = now
        locked.issued_by = by
        locked.subtotal, locked.tax, locked.total = (
            totals["subtotal"],
            totals["tax"],
            totals["total"],
        )
        locked.save()
    return locked


def invoice_void(*, invoice: Invoice, reason: str, by, now=None) -> Invoice:
    """Void an issued invoice (its number stays used); refunds come first."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the invoice is void."})
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.ISSUED:
            raise ValidationError("Only an issued invoice can be voided.")
        if paid_amount(locked) > 0:
            raise ValidationError("Refund the payments before voiding the invoice.")
        locked.status = Invoice.Status.VOID
        locked.voided_at = now or timezone.now()
        locked.voided_by = by
        locked.void_reason = reason[:200]
        locked.save()
    return locked


def paid_amount(invoice: Invoice) -> Decimal:
    """Payments less refunds, read inside the caller's transaction."""
    paid = invoice.payments.aggregate(total=Sum("amount"))["total"] or money.ZERO
    refunded = (
        Refund.objects.filter(payment__invoice=invoice).aggregate(total=Sum("amount"))["total"]
        or money.ZERO
    )
    return paid - refunded


def payment_record(*, invoice: Invoice, method, amount, by, reference="", now=None) -> Payment:
    """Record money received against an issued invoice; never more than is due."""
    amount = money.to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    if method not in Payment.Method.values:
        raise ValidationError({"method": "Choose how the client paid."})
    with transaction.atomic():
        # The invoice's lock serializes two desks taking payment at once.
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if locked.status != Invoice.Status.ISSUED:
            raise ValidationError("Payments are taken on an issued invoice.")
        due = locked.total - paid_amount(locked)
        if amount > due:
            shown = money.format_money(due, locked.currency, settings.RELIEF_LOCALE)
            raise ValidationError({"amount": f"Only {shown} is due."})
        return Payment.objects.create(
            invoice=locked,
            method=method,
            amount=amount,
            reference=(reference or "").strip()[:80],
            received_at=now or timezone.now(),
            received_by=by,
        )


def refund_record(*, payment: Payment, amount, reason: str, by, now=None) -> Refund:
    """Give back part or all of a payment; front desk needs the owner above the limit."""
    amount = money.to_money(amount)
    reason = (reason or "").strip()
    errors = {}
    if amount <= 0:
        errors["amount"] = "Enter an amount above zero."
    if not reason:
        errors["reason"] = "Say why the money goes back."
    if errors:
        raise ValidationError(errors)
    roles = roles_of(by) if by is not None else frozenset()
    if Role.OWNER not in roles and amount > settings.RELIEF_FRONT_DESK_REFUND_LIMIT:
        raise PermissionDenied(
            f"Refunds above {settings.RELIEF_FRONT_DESK_REFUND_LIMIT} need the owner."
        )
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        refunded = locked.refunds.aggregate(total=Sum("amount"))["total"] or money.ZERO
        if amount > locked.amount - refunded:
            raise ValidationError(
                {"amount": f"At most {locked.amount - refunded} of this payment is left to refund."}
            )
        return Refund.objects.create(
            payment=locked,
            amount=amount,
            reason=reason[:200],
            refunded_at=now or timezone.now(),
            refunded_by=by,
        )
