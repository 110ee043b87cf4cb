"""Billing reads: who sees which invoice, balances, and the day sheet."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from practice.security.access import Role, roles_of

from . import money
from .models import Invoice, InvoiceLine, PackageProduct, Payment, Refund

MONEY_FIELD = DecimalField(max_digits=12, decimal_places=2)
LEDGER_METHODS = (Payment.Method.PACKAGE_CREDIT, Payment.Method.GIFT_CARD)
BILLING_ROLES = {Role.OWNER, Role.FRONT_DESK}


def may_bill(user) -> bool:
    return bool(roles_of(user) & BILLING_ROLES)


def invoices_visible_to(user):
    """Owner and front desk see every invoice; other roles none (their figures are reports)."""
    if may_bill(user):
        return Invoice.objects.all()
    return Invoice.objects.none()


def get_invoice_for_user(user, pk) -> Invoice:
    invoice = (
        invoices_visible_to(user)
        .select_related("client", "appointment__therapist", "appointment__service")
        .filter(pk=pk)
        .first()
    )
    if invoice is None:
        raise Http404
    return invoice


def with_balance(invoices):
    """Annotate `paid` (payments less refunds) and `balance` on each invoice, in one query."""
    paid = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice")
    refunded = Refund.objects.filter(payment__invoice=OuterRef("pk")).values("payment__invoice")
    return invoices.annotate(
        paid_total=Coalesce(
            Subquery(paid.annotate(t=Sum("amount")).values("t")[:1]),
            Value(money.ZERO),
            output_field=MONEY_FIELD,
        ),
        refunded_total=Coalesce(
            Subquery(refunded.annotate(t=Sum("amount")).values("t")[:1]),
            Value(money.ZERO),
            output_field=MONEY_FIELD,
        ),
    ).annotate(balance=F("total") - F("paid_total") + F("refunded_total"))


def invoice_detail(invoice: Invoice) -> dict:
    """Lines, payments with their refunds, and the derived figures."""
    lines = list(invoice.lines.select_related("therapist"))
    payments = list(invoice.payments.prefetch_related("refunds").select_related("received_by"))
    paid = sum((p.amount for p in payments), money.ZERO)
    refunded = sum((r.amount for p in payments for r in p.refunds.all()), money.ZERO)
    for payment in payments:
        payment.refunded = sum((r.amount for r in payment.refunds.all()), money.ZERO)
        payment.refundable = payment.amount - payment.refunded
    if invoice.is_draft:
        totals = money.invoice_totals((line.net, line.tax) for line in lines)
    else:
        totals = {"subtotal": invoice.subtotal, "tax": invoice.tax, "total": invoice.total}
    return {
        "only_fees": bool(lines) and all(line.kind == InvoiceLine.Kind.FEE for line in lines),
        "lines": lines,
        "payments": payments,
        "totals": totals,
        "paid": paid - refunded,
        "refunded": refunded,
        "balance": (
            money.balance_due(total=totals["total"], paid=paid, refunded=refunded)
            if invoice.status == Invoice.Status.ISSUED
            else money.ZERO
        ),
    }


def client_balance(client) -> money.Decimal:
    """What the client owes over all issued invoices."""
    row = with_balance(
        Invoice.objects.filter(client=client, status=Invoice.Status.ISSUED)
    ).aggregate(owed=Sum("balance"))
    return row["owed"] or money.ZERO


def open_invoices():
    """Issued invoices with something still due, oldest first."""
    return (
        with_balance(Invoice.objects.filter(status=Invoice.Status.ISSUED))
        .filter(balance__gt=0)
        .select_related("client")
        .order_by("issued_at")
    )


def _day_bounds(day, tz):
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def day_sheet(*, day, tz) -> dict:
    """Takings of one local day: by method, by therapist, tips, refunds, open invoices."""
    start, end = _day_bounds(day, tz)
    day_payments = Payment.objects.filter(received_at__gte=start, received_at__lt=end)
    by_method = {
        row["method"]: row["total"]
        for row in day_payments.values("method").order_by().annotate(total=Sum("amount"))
    }
    # Package credits and gift cards were paid for when sold: counting them
    # again when spent would count the same money twice.
    payments = day_payments.exclude(method__in=LEDGER_METHODS)
    # A payment counts for the therapist whose session the invoice is for.
    by_therapist = list(
        payments.values(name=F("invoice__appointment__therapist__display_name"))
        .order_by("name")
        .annotate(total=Sum("amount"))
    )
    tips = list(
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.TIP,
            invoice__status=Invoice.Status.ISSUED,
            invoice__issued_at__gte=start,
            invoice__issued_at__lt=end,
        )
        .values(name=F("therapist__display_name"))
        .order_by("name")
        .annotate(total=Sum("net"))
    )
    refunds = list(
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .select_related("payment__invoice__client", "refunded_by")
        .order_by("refunded_at")
    )
    taken = sum(
        (amount for method, amount in by_method.items() if method not in LEDGER_METHODS),
        money.ZERO,
    )
    refunded = sum((r.amount for r in refunds), money.ZERO)
    return {
        "methods": [
            (label, by_method.get(value, money.ZERO))
            for value, label in Payment.Method.choices
            if value not in LEDGER_METHODS
        ],
        "ledger_methods": [
            (label, by_method.get(value, money.ZERO))
            for value, label in Payment.Method.choices
            if value in LEDGER_METHODS
        ],
        "by_therapist": by_therapist,
        "tips": tips,
        "refunds": refunds,
        "taken": taken,
        "refunded": refunded,
        "net": taken - refunded,
        "open_invoices": list(open_invoices()[:200]),
        "issued_count": Invoice.objects.filter(
            ~Q(status=Invoice.Status.DRAFT), issued_at__gte=start, issued_at__lt=end
        ).count(),
    }


def therapist_takings(*, therapist, day, tz) -> dict:
    """What one therapist's sessions brought in on a day and so far that month.

    Only their own sessions' totals: no client names, no other therapist.
    """
    start, end = _day_bounds(day, tz)
    month_start, _ = _day_bounds(day.replace(day=1), tz)
    own = Payment.objects.filter(invoice__appointment__therapist=therapist).exclude(
        method__in=LEDGER_METHODS
    )
    own_tips = InvoiceLine.objects.filter(
        kind=InvoiceLine.Kind.TIP, therapist=therapist, invoice__status=Invoice.Status.ISSUED
    )
    zero = Value(money.ZERO, output_field=MONEY_FIELD)
    payments = own.filter(received_at__gte=month_start, received_at__lt=end).aggregate(
        day=Coalesce(Sum("amount", filter=Q(received_at__gte=start)), zero),
        month=Coalesce(Sum("amount"), zero),
        sessions_day=Count("invoice", distinct=True, filter=Q(received_at__gte=start)),
    )
    month_tips = own_tips.filter(invoice__issued_at__gte=month_start, invoice__issued_at__lt=end)
    tips = month_tips.aggregate(
        day=Coalesce(Sum("net", filter=Q(invoice__issued_at__gte=start)), zero),
        month=Coalesce(Sum("net"), zero),
    )
    refunds = Refund.objects.filter(
        payment__in=own, refunded_at__gte=month_start, refunded_at__lt=end
    ).aggregate(
        day=Coalesce(Sum("amount", filter=Q(refunded_at__gte=start)), zero),
        month=Coalesce(Sum("amount"), zero),
    )
    return {
        "taken_day": payments["day"],
        "taken_month": payments["month"],
        "refunded_day": refunds["day"],
        "refunded_month": refunds["month"],
        "net_day": payments["day"] - refunds["day"],
        "net_month": payments["month"] - refunds["month"],
        "invoices_day": payments["sessions_day"],
        "tips_day": tips["day"],
        "tips_month": tips["month"],
    }


@dataclass(frozen=True)
class DayListBilling:
    """What Today shows of one appointment's money, for billing staff."""

    invoice_id: object = None
    invoice_number: int | None = None
    invoice_draft: bool = False
    due: money.Decimal = money.ZERO  # on this appointment's invoice
    client_owes: money.Decimal = money.ZERO  # on all the client's issued invoices


def day_list_billing(entries) -> dict:
    """{appointment pk: DayListBilling} for a day list's entries (pk, client_id),
    in two queries whatever its size."""
    clients = {entry.pk: entry.client_id for entry in entries}
    if not clients:
        return {}
    ids = list(clients)
    invoices = {
        row.appointment_id: row
        for row in with_balance(
            Invoice.objects.filter(appointment_id__in=ids).exclude(
                status__in=[Invoice.Status.VOID, Invoice.Status.WAIVED]
            )
        )
        .order_by("created_at")
        .only("pk", "appointment_id", "number", "status", "total")
    }
    owed = defaultdict(lambda: money.ZERO)
    for client_id, balance in (
        with_balance(
            Invoice.objects.filter(
                status=Invoice.Status.ISSUED, client_id__in=set(clients.values())
            )
        )
        .filter(balance__gt=0)
        .values_list("client_id", "balance")
    ):
        owed[client_id] += balance
    result = {}
    for pk, client_id in clients.items():
        invoice = invoices.get(pk)
        result[pk] = DayListBilling(
            invoice_id=invoice.pk if invoice else None,
            invoice_number=invoice.number if invoice else None,
            invoice_draft=bool(invoice and invoice.is_draft),
            due=invoice.balance if invoice and not invoice.is_draft else money.ZERO,
            client_owes=owed[client_id],
        )
    return result


def with_credits(purchases):
    return purchases.annotate(
        credits=Coalesce(Sum("ledger__change"), Value(0)),
    )


def client_packages(client):
    """The client's packages with credits left and expiry, newest first."""
    return list(with_credits(client.packages.select_related("product")).order_by("-purchased_at"))


def redeemable_packages(invoice: Invoice, *, now=None):
    """Packages of the invoice's client that could pay one of its sessions."""
    now = now or timezone.now()
    services = invoice.lines.filter(kind=InvoiceLine.Kind.SERVICE).values("service_id")
    return list(
        with_credits(
            invoice.client.packages.filter(expires_at__gt=now, product__service__in=services)
        )
        .filter(credits__gt=0)
        .select_related("product")
    )


def gift_card_balance(card) -> money.Decimal:
    return card.ledger.aggregate(total=Sum("change"))["total"] or money.ZERO


def package_products(*, active_only=True):
    products = PackageProduct.objects.select_related("service")
    return products.filter(active=True) if active_only else products


def fee_invoice_for(appointment):
    """The fee charge of a cancelled or missed appointment, if the practice made one."""
    if appointment.status not in (appointment.Status.CANCELLED, appointment.Status.NO_SHOW):
        return None
    return (
        Invoice.objects.filter(appointment=appointment, lines__kind=InvoiceLine.Kind.FEE)
        .order_by("-created_at")
        .first()
    )
