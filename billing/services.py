"""Billing writes: checkout drafts, lines, issuing, voiding, payments, refunds.

Every function validates, runs in one transaction, and raises
ValidationError (or PermissionDenied) for anything a user can act on.
"""

import logging
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.webhooks.services import webhook_event_record
from clients.tokens import hash_token
from practice.models import Appointment
from practice.security.access import Role, roles_of

from . import money, providers, selectors
from .models import (
    MONEY,
    GiftCard,
    GiftCardEntry,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    PackageCredit,
    PackageProduct,
    PackagePurchase,
    Payment,
    ReceiptEmail,
    Refund,
)

logger = logging.getLogger(__name__)

SEQUENCE = "invoice"
SEND_RECEIPT_TASK = "billing.tasks.send_receipt_email"
# Paid from a package's or a gift card's ledger, through their own services.
LEDGER_METHODS = selectors.LEDGER_METHODS
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


FEE_KINDS = {
    "late_cancel": ("Late cancellation fee", "RELIEF_LATE_CANCEL_FEE"),
    "no_show": ("Missed appointment fee", "RELIEF_NO_SHOW_FEE"),
}


def fee_draft(*, appointment: Appointment, kind: str, by) -> Invoice | None:
    """The practice's late-cancel or no-show fee as a draft charge staff issue or waive.

    Called in the transaction that flags the appointment; nothing when the
    practice charges no such fee.
    """
    label, setting = FEE_KINDS[kind]
    amount = money.fee_amount(getattr(settings, setting), appointment.service.price)
    if amount is None:
        return None
    invoice = Invoice.objects.filter(appointment=appointment, status=Invoice.Status.DRAFT).first()
    if invoice is None:
        invoice = Invoice.objects.create(
            client=appointment.client,
            appointment=appointment,
            currency=settings.RELIEF_CURRENCY,
            created_by=by,
        )
    InvoiceLine.objects.create(
        invoice=invoice,
        kind=InvoiceLine.Kind.FEE,
        description=f"{label}: {appointment.service.name}",
        therapist=appointment.therapist,
        quantity=1,
        unit_price=amount,
        net=amount,
        tax=money.ZERO,
    )
    return invoice


def fee_waive(*, invoice: Invoice, reason: str, by, now=None) -> Invoice:
    """Close a draft fee without charging it; the reason stays on the record."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the fee is waived."})
    with transaction.atomic():
        locked = _locked_draft(invoice)
        kinds = set(locked.lines.values_list("kind", flat=True))
        if kinds != {InvoiceLine.Kind.FEE}:
            raise ValidationError("Only a draft holding fees alone can be waived.")
        locked.status = Invoice.Status.WAIVED
        locked.voided_at = now or timezone.now()
        locked.voided_by = by
        locked.void_reason = reason[:200]
        locked.save()
    return locked


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
        webhook_event_record(event="invoice.issued", instance=locked, now=now)
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
    """Payments less refunds, read inside the caller's transaction.

    One statement after the caller's lock, so it sees every payment committed
    before the lock was granted (a subquery on the locking SELECT would not).
    """
    money_field = DecimalField(**MONEY)

    def total(rows, group):
        return Coalesce(
            Subquery(rows.values(group).annotate(total=Sum("amount")).values("total")),
            Value(Decimal("0")),
            output_field=money_field,
        )

    paid = total(Payment.objects.filter(invoice=OuterRef("pk")), "invoice")
    refunded = total(Refund.objects.filter(payment__invoice=OuterRef("pk")), "payment__invoice")
    net = (
        Invoice.objects.filter(pk=invoice.pk)
        .annotate(net=ExpressionWrapper(paid - refunded, output_field=money_field))
        .values_list("net", flat=True)
        .get()
    )
    return money.to_money(net)


def _locked_issued(invoice: Invoice) -> Invoice:
    # The invoice's lock serializes two desks taking payment at once.
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status != Invoice.Status.ISSUED:
        raise ValidationError("Payments are taken on an issued invoice.")
    return locked


def _add_payment(locked: Invoice, *, method, amount, by, reference, now) -> Payment:
    due = locked.total - paid_amount(locked)
    if amount > due:
        shown = money.format_money(due, locked.currency, settings.RELIEF_LOCALE)
        raise ValidationError({"amount": f"Only {shown} is due."})
    provider = providers.provider_for(method)
    try:
        taken = provider.take(
            invoice=locked, amount=amount, method=method, reference=(reference or "").strip()
        )
    except providers.PaymentRefused as refused:
        raise ValidationError(str(refused)) from refused
    payment = Payment.objects.create(
        invoice=locked,
        method=method,
        amount=amount,
        reference=taken.reference[:80],
        provider=provider.name,
        received_at=now or timezone.now(),
        received_by=by,
    )
    # Every way money comes in (till, package credit, gift card) ends here.
    webhook_event_record(event="payment.received", instance=payment, now=payment.received_at)
    return payment


def payment_record(*, invoice: Invoice, method, amount, by, reference="", now=None) -> Payment:
    """Record money received against an issued invoice; never more than is due."""
    amount = money.to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    if method not in Payment.Method.values or method in LEDGER_METHODS:
        raise ValidationError({"method": "Choose how the client paid."})
    with transaction.atomic():
        locked = _locked_issued(invoice)
        return _add_payment(
            locked, method=method, amount=amount, by=by, reference=reference, now=now
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
        if locked.method == Payment.Method.PACKAGE_CREDIT and amount != locked.amount:
            raise ValidationError({"amount": "A package credit is refunded whole, as a credit."})
        try:
            providers.provider_named(locked.provider).refund(payment=locked, amount=amount)
        except providers.PaymentRefused as refused:
            raise ValidationError(str(refused)) from refused
        refund = Refund.objects.create(
            payment=locked,
            amount=amount,
            reason=reason[:200],
            refunded_at=now or timezone.now(),
            refunded_by=by,
        )
        # Money paid from a ledger goes back to that ledger.
        if locked.method == Payment.Method.PACKAGE_CREDIT:
            spent = PackageCredit.objects.get(payment=locked)
            PackageCredit.objects.create(purchase_id=spent.purchase_id, change=1, created_by=by)
        elif locked.method == Payment.Method.GIFT_CARD:
            spent = GiftCardEntry.objects.get(payment=locked)
            GiftCardEntry.objects.create(card_id=spent.card_id, change=amount, created_by=by)
        return refund


# Packages and gift cards ---------------------------------------------------
#
# Each balance is the sum of an append-only ledger. Spending locks the
# purchase or card row first, so two desks redeeming the last credit at the
# same moment queue, and the second finds nothing left.


def _sale_invoice(*, client, description, price, by, now) -> Invoice:
    invoice = Invoice.objects.create(
        client=client, currency=settings.RELIEF_CURRENCY, created_by=by
    )
    net, tax = money.line_amounts(quantity=1, unit_price=price, tax_rate=0)
    InvoiceLine.objects.create(
        invoice=invoice,
        kind=InvoiceLine.Kind.PRODUCT,
        description=description,
        quantity=1,
        unit_price=price,
        net=net,
        tax=tax,
    )
    return invoice_issue(invoice=invoice, by=by, now=now)


def package_product_create(*, name, service, sessions, price, valid_days) -> PackageProduct:
    product = PackageProduct(
        name=name, service=service, sessions=sessions, price=price, valid_days=valid_days
    )
    with transaction.atomic():
        product.full_clean()
        product.save()
    return product


def package_product_set_active(*, product: PackageProduct, active: bool) -> PackageProduct:
    product.active = active
    with transaction.atomic():
        product.save(update_fields=["active"])
    return product


def package_sell(*, client, product: PackageProduct, by, now=None) -> PackagePurchase:
    """Sell a package: an issued invoice to pay, and its credits on the ledger."""
    now = now or timezone.now()
    if not product.active:
        raise ValidationError({"product": f"{product} is no longer sold."})
    with transaction.atomic():
        invoice = _sale_invoice(
            client=client,
            description=f"Package: {product.name}",
            price=product.price,
            by=by,
            now=now,
        )
        purchase = PackagePurchase.objects.create(
            client=client,
            product=product,
            invoice=invoice,
            purchased_at=now,
            expires_at=now + timedelta(days=product.valid_days),
        )
        PackageCredit.objects.create(purchase=purchase, change=product.sessions, created_by=by)
    return purchase


def _credits(purchase) -> int:
    return purchase.ledger.aggregate(total=Sum("change"))["total"] or 0


def package_redeem(*, invoice: Invoice, purchase: PackagePurchase, by, now=None) -> Payment:
    """Pay the invoice's session with one credit of the client's package."""
    now = now or timezone.now()
    with transaction.atomic():
        locked_purchase = (
            PackagePurchase.objects.select_for_update()
            .select_related("product")
            .get(pk=purchase.pk)
        )
        locked = _locked_issued(invoice)
        if locked_purchase.client_id != locked.client_id:
            raise ValidationError("That package belongs to another client.")
        if locked_purchase.expires_at <= now:
            raise ValidationError(f"The package expired on {locked_purchase.expires_at:%d %b %Y}.")
        if _credits(locked_purchase) < 1:
            raise ValidationError("No credits are left on that package.")
        line = locked.lines.filter(
            kind=InvoiceLine.Kind.SERVICE, service=locked_purchase.product.service_id
        ).first()
        if line is None:
            raise ValidationError(
                f"The package covers {locked_purchase.product.service}, "
                "which is not on this invoice."
            )
        due = locked.total - paid_amount(locked)
        payment = _add_payment(
            locked,
            method=Payment.Method.PACKAGE_CREDIT,
            amount=min(line.net + line.tax, due),
            by=by,
            reference=locked_purchase.product.name,
            now=now,
        )
        PackageCredit.objects.create(
            purchase=locked_purchase, change=-1, payment=payment, created_by=by
        )
    return payment


GIFT_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over a phone


def _normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def gift_card_hash(code: str) -> str:
    return hash_token(_normalise_code(code))


def gift_card_sell(*, client, value, by, valid_days=3 * 365, now=None) -> tuple[GiftCard, str]:
    """Sell a gift card; returns the card and its code, which is never stored or shown again."""
    now = now or timezone.now()
    value = money.to_money(value)
    if value <= 0:
        raise ValidationError({"value": "Enter the card's value."})
    raw = "".join(secrets.choice(GIFT_CODE_ALPHABET) for _ in range(16))
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    with transaction.atomic():
        invoice = _sale_invoice(
            client=client, description=f"Gift card ending {raw[-4:]}", price=value, by=by, now=now
        )
        card = GiftCard.objects.create(
            code_hash=gift_card_hash(raw),
            last_four=raw[-4:],
            initial_value=value,
            currency=invoice.currency,
            invoice=invoice,
            sold_at=now,
            expires_at=now + timedelta(days=valid_days),
        )
        GiftCardEntry.objects.create(card=card, change=value, created_by=by)
    return card, code


def gift_card_redeem(*, invoice: Invoice, code: str, amount, by, now=None) -> Payment:
    """Pay part or all of an invoice from a gift card's balance."""
    now = now or timezone.now()
    amount = money.to_money(amount)
    if amount <= 0:
        raise ValidationError({"amount": "Enter an amount above zero."})
    with transaction.atomic():
        card = GiftCard.objects.select_for_update().filter(code_hash=gift_card_hash(code)).first()
        if card is None:
            raise ValidationError({"code": "No gift card has that code. Check it and try again."})
        if card.expires_at <= now:
            raise ValidationError({"code": f"That card expired on {card.expires_at:%d %b %Y}."})
        locked = _locked_issued(invoice)
        if card.currency != locked.currency:
            raise ValidationError({"code": "That card is in another currency."})
        balance = card.ledger.aggregate(total=Sum("change"))["total"] or money.ZERO
        if amount > balance:
            shown = money.format_money(balance, card.currency, settings.RELIEF_LOCALE)
            raise ValidationError({"amount": f"The card has {shown} left."})
        payment = _add_payment(
            locked,
            method=Payment.Method.GIFT_CARD,
            amount=amount,
            by=by,
            reference=f"Gift card ending {card.last_four}",
            now=now,
        )
        GiftCardEntry.objects.create(card=card, change=-amount, payment=payment, created_by=by)
    return payment


# Receipts by email ---------------------------------------------------------
#
# The ReceiptEmail row is the outbox: requested in one transaction, sent by a
# task queued on commit, and swept by beat until sent or given up, so a lost
# message or a dead worker delays a receipt but never loses it.


def receipt_email_request(*, invoice: Invoice, by, to: str = "", now=None) -> ReceiptEmail:
    """Queue the invoice's receipt to the client's email (or `to`)."""
    if invoice.is_draft or invoice.status == Invoice.Status.WAIVED:
        raise ValidationError("Only an issued invoice has a receipt.")
    address = (to or invoice.client.email or "").strip()
    if not address:
        raise ValidationError(
            "This client has no email address: add one on their page, or print the receipt."
        )
    now = now or timezone.now()
    with transaction.atomic():
        receipt = ReceiptEmail.objects.create(
            invoice=invoice, to=address, requested_at=now, requested_by=by, next_attempt_at=now
        )
        transaction.on_commit(lambda: _queue_receipt(receipt.pk))
    return receipt


def _queue_receipt(pk) -> None:
    from celery import current_app

    try:
        current_app.send_task(SEND_RECEIPT_TASK, args=[pk])
    except Exception:
        # The broker is down: the row stays due and the sweep sends it later.
        logger.warning("Receipt email %s not queued; the sweep will send it", pk, exc_info=True)


def receipt_email_send(*, pk: int, build_pdf, now=None) -> bool:
    """Send one queued receipt; True when it went now.

    The row stays locked while the mail goes out, so a second worker handed
    the same row skips it. Delivery is at least once: a crash after the mail
    server accepted and before the commit sends it again on the next sweep.
    """
    now = now or timezone.now()
    with transaction.atomic():
        receipt = (
            ReceiptEmail.objects.select_for_update(skip_locked=True)
            .select_related("invoice__client")
            .filter(pk=pk, sent_at__isnull=True, attempts__lt=ReceiptEmail.MAX_ATTEMPTS)
            .first()
        )
        if receipt is None:
            return False
        invoice = receipt.invoice
        try:
            _mail_receipt(invoice, receipt.to, build_pdf(invoice))
        except Exception as error:  # kept on the row, retried by the sweep
            receipt.attempts += 1
            receipt.last_error = repr(error)[:300]
            receipt.next_attempt_at = now + timedelta(minutes=2**receipt.attempts)
            receipt.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            return False
        receipt.attempts += 1
        receipt.sent_at = now
        receipt.last_error = ""
        receipt.save(update_fields=["attempts", "sent_at", "last_error"])
        return True


def _mail_receipt(invoice: Invoice, to: str, pdf: bytes) -> None:
    from django.core.mail import EmailMessage

    practice = settings.RELIEF_PRACTICE_NAME
    message = EmailMessage(
        subject=f"Your receipt from {practice} (invoice {invoice.number})",
        body=(
            f"Hello {invoice.client.first_name_to_use},\n\n"
            f"Your receipt for invoice {invoice.number} is attached.\n\n"
            f"{practice}\n{settings.RELIEF_PRACTICE_PHONE}\n"
        ),
        to=[to],
    )
    message.attach(f"receipt-{invoice.number}.pdf", pdf, "application/pdf")
    message.send()


def receipt_emails_due(*, now=None, grace=timedelta(minutes=2)) -> list[int]:
    """Unsent receipts to queue again: due, and older than the on-commit send's grace."""
    now = now or timezone.now()
    return list(
        ReceiptEmail.objects.filter(
            sent_at__isnull=True,
            attempts__lt=ReceiptEmail.MAX_ATTEMPTS,
            next_attempt_at__lte=now,
            requested_at__lte=now - grace,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
