"""Billing reads: who sees which invoice, balances, and the day sheet."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache

from django.db import connection
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from clients.models import Client
from clients.models import full_name as client_full_name
from practice.security.access import Role, roles_of

from . import money
from .models import (
    Invoice,
    InvoiceLine,
    PackageCredit,
    PackageProduct,
    PackagePurchase,
    Payment,
    Refund,
)

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


FULL_INVOICE = ("client", "appointment__therapist", "appointment__service")


def get_invoice_for_user(user, pk, *, related=FULL_INVOICE) -> Invoice:
    """The invoice, or 404 outside the user's scope; `related` names what the
    caller reads (each join costs more to compile than the row costs to read)."""
    try:
        return invoices_visible_to(user).select_related(*related).get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


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
    # A draft takes no payment: only an issued invoice does.
    payments = (
        []
        if invoice.is_draft
        else list(invoice.payments.prefetch_related("refunds").select_related("received_by"))
    )
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


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    pk: object
    number: int
    client_name: str
    balance: money.Decimal


@dataclass(frozen=True, slots=True)
class DayRefund:
    invoice_id: object
    invoice_number: int
    amount: money.Decimal
    reason: str


# What was paid against invoice i and refunded of those payments, for the
# balance (total - paid + back, as `with_balance`) in the statements below.
_PAID_AND_REFUNDED_SQL = """LEFT JOIN LATERAL (SELECT SUM(p.amount) AS total FROM {payment} p
                      WHERE p.invoice_id = i.id) paid ON TRUE
  LEFT JOIN LATERAL (SELECT SUM(r.amount) AS total FROM {refund} r
                       JOIN {payment} p ON p.id = r.payment_id
                      WHERE p.invoice_id = i.id) back ON TRUE"""

# The balance as `with_balance` derives it, per invoice, written out: the ORM
# took longer to build this query than PostgreSQL takes to run it.
_OPEN_INVOICES_SQL = """
SELECT i.id, i.number, c.first_name, c.preferred_name, c.last_name,
       i.total - COALESCE(paid.total, 0) + COALESCE(back.total, 0) AS balance
  FROM {invoice} i
  JOIN {client} c ON c.id = i.client_id
  {paid_and_refunded}
 WHERE i.status = %(issued)s
   AND i.total - COALESCE(paid.total, 0) + COALESCE(back.total, 0) > 0
 ORDER BY i.issued_at
 LIMIT %(limit)s
""".replace("{paid_and_refunded}", _PAID_AND_REFUNDED_SQL)

_DAY_REFUNDS_SQL = """
SELECT p.invoice_id, i.number, r.amount, r.reason
  FROM {refund} r
  JOIN {payment} p ON p.id = r.payment_id
  JOIN {invoice} i ON i.id = p.invoice_id
 WHERE r.refunded_at >= %(start)s AND r.refunded_at < %(end)s
 ORDER BY r.refunded_at
"""


@cache
def _tables() -> dict:
    from practice.models import Appointment, Therapist

    models = {
        "invoice": Invoice,
        "line": InvoiceLine,
        "payment": Payment,
        "refund": Refund,
        "client": Client,
        "appointment": Appointment,
        "therapist": Therapist,
    }
    return {name: model._meta.db_table for name, model in models.items()}


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables()), params)
        return cursor.fetchall()


def written_out() -> bool:
    """The statements above are PostgreSQL's (LATERAL, its UUID and numeric
    types). Elsewhere (SQLite in development) the ORM's equivalents answer;
    they are the reference, and tests on PostgreSQL compare the two."""
    return connection.vendor == "postgresql"


def _open_invoice_rows(limit, *, sql=None) -> list[tuple]:
    if sql if sql is not None else written_out():
        return _rows(_OPEN_INVOICES_SQL, {"issued": Invoice.Status.ISSUED, "limit": limit})
    issued = with_balance(Invoice.objects.filter(status=Invoice.Status.ISSUED))
    return list(
        issued.filter(balance__gt=0)
        .order_by("issued_at")
        .values_list(
            "pk",
            "number",
            "client__first_name",
            "client__preferred_name",
            "client__last_name",
            "balance",
        )[:limit]
    )


def open_invoices(*, limit=200) -> list[OpenInvoice]:
    """Issued invoices with something still due, oldest first."""
    rows = _open_invoice_rows(limit)
    return [
        OpenInvoice(pk, number, client_full_name(first, preferred, last), money.to_money(balance))
        for pk, number, first, preferred, last, balance in rows
    ]


def _day_bounds(day, tz):
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


# The day sheet's sums in one statement (a grouped ORM query each cost more
# to build than to run): payments by method and the session's therapist, tips
# by therapist, and the number of invoices issued. Ordered by part, then name,
# nameless rows last, as the page lists them.
_DAY_SHEET_SQL = """
SELECT 'payment' AS part, p.method, t.display_name, SUM(p.amount)
  FROM {payment} p
  JOIN {invoice} i ON i.id = p.invoice_id
  LEFT JOIN {appointment} a ON a.id = i.appointment_id
  LEFT JOIN {therapist} t ON t.id = a.therapist_id
 WHERE p.received_at >= %(start)s AND p.received_at < %(end)s
 GROUP BY p.method, t.display_name
UNION ALL
SELECT 'tip', NULL, t.display_name, SUM(l.net)
  FROM {line} l
  JOIN {invoice} i ON i.id = l.invoice_id
  LEFT JOIN {therapist} t ON t.id = l.therapist_id
 WHERE l.kind = %(tip)s AND i.status = %(issued)s
   AND i.issued_at >= %(start)s AND i.issued_at < %(end)s
 GROUP BY t.display_name
UNION ALL
SELECT 'issued', NULL, NULL, COUNT(*)
  FROM {invoice} i
 WHERE i.status <> %(draft)s AND i.issued_at >= %(start)s AND i.issued_at < %(end)s
 ORDER BY 1, 3
"""


def _day_sums(start, end, *, sql=None) -> list[tuple]:
    if sql if sql is not None else written_out():
        params = {
            "start": start,
            "end": end,
            "tip": InvoiceLine.Kind.TIP,
            "issued": Invoice.Status.ISSUED,
            "draft": Invoice.Status.DRAFT,
        }
        return _rows(_DAY_SHEET_SQL, params)
    payments = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .values_list("method", "invoice__appointment__therapist__display_name")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    tips = (
        InvoiceLine.objects.filter(
            kind=InvoiceLine.Kind.TIP,
            invoice__status=Invoice.Status.ISSUED,
            invoice__issued_at__gte=start,
            invoice__issued_at__lt=end,
        )
        .values_list("therapist__display_name")
        .annotate(total=Sum("net"))
        .order_by()
    )
    issued = (
        Invoice.objects.exclude(status=Invoice.Status.DRAFT)
        .filter(issued_at__gte=start, issued_at__lt=end)
        .count()
    )
    rows = [("payment", method, name, total) for method, name, total in payments]
    rows += [("tip", None, name, total) for name, total in tips]
    rows.append(("issued", None, None, issued))
    # As the statement orders them: by part, then name, nameless rows last.
    return sorted(rows, key=lambda row: (row[0], row[2] is None, row[2] or ""))


def _day_refund_rows(start, end, *, sql=None) -> list[tuple]:
    if sql if sql is not None else written_out():
        return _rows(_DAY_REFUNDS_SQL, {"start": start, "end": end})
    return list(
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .order_by("refunded_at")
        .values_list("payment__invoice_id", "payment__invoice__number", "amount", "reason")
    )


def day_sheet(*, day, tz) -> dict:
    """Takings of one local day: by method, by therapist, tips, refunds, open invoices."""
    start, end = _day_bounds(day, tz)
    by_method = defaultdict(lambda: money.ZERO)
    by_therapist, tips, issued_count = {}, [], 0
    for part, method, name, total in _day_sums(start, end):
        if part == "payment":
            by_method[method] += total
            # Package credits and gift cards were paid for when sold: counting
            # them again when spent would count the same money twice. A payment
            # counts for the therapist whose session the invoice is for.
            if method not in LEDGER_METHODS:
                by_therapist[name] = by_therapist.get(name, money.ZERO) + total
        elif part == "tip":
            tips.append({"name": name, "total": total})
        else:
            issued_count = int(total)
    refunds = [DayRefund(*row) for row in _day_refund_rows(start, end)]
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
        "by_therapist": [{"name": name, "total": total} for name, total in by_therapist.items()],
        "tips": tips,
        "refunds": refunds,
        "taken": taken,
        "refunded": refunded,
        "net": taken - refunded,
        "open_invoices": open_invoices(),
        "issued_count": issued_count,
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


# Today's billing in one statement: the two grouped ORM queries with their
# four correlated subqueries cost the desk's Today more CPU to build (about a
# third of the page) than PostgreSQL takes to answer them. The invoices of the
# listed appointments, and the issued ones of their clients with something
# due; one invoice can be both.
_DAY_LIST_SQL = """
SELECT i.appointment_id, i.id, i.number, i.status, i.client_id, i.balance,
       i.appointment_id = ANY(%(appointments)s) AND i.status <> ALL(%(closed)s) AS listed
  FROM (SELECT i.id, i.appointment_id, i.client_id, i.number, i.status, i.created_at,
               i.total - COALESCE(paid.total, 0) + COALESCE(back.total, 0) AS balance
          FROM {invoice} i
          {paid_and_refunded}
         WHERE (i.appointment_id = ANY(%(appointments)s) AND i.status <> ALL(%(closed)s))
            OR (i.client_id = ANY(%(clients)s) AND i.status = %(issued)s)) i
 WHERE (i.appointment_id = ANY(%(appointments)s) AND i.status <> ALL(%(closed)s))
    OR i.balance > 0
 ORDER BY i.created_at
""".replace("{paid_and_refunded}", _PAID_AND_REFUNDED_SQL)
_CLOSED = [Invoice.Status.VOID, Invoice.Status.WAIVED]


def _day_list_rows(appointment_ids, client_ids, *, sql=None) -> tuple[list, list]:
    """(invoices, owed): the non-void invoices of the appointments as
    (appointment id, id, number, status, balance) in creation order, and the
    clients' issued invoices with a balance due as (client id, balance)."""
    if sql if sql is not None else written_out():
        rows = _rows(
            _DAY_LIST_SQL,
            {
                "appointments": list(appointment_ids),
                "clients": list(client_ids),
                "closed": _CLOSED,
                "issued": Invoice.Status.ISSUED,
            },
        )
        invoices = [
            (a, pk, number, status, bal) for a, pk, number, status, _, bal, listed in rows if listed
        ]
        owed = [
            (client, bal)
            for _, _, _, status, client, bal, _ in rows
            if status == Invoice.Status.ISSUED and client in client_ids and bal > 0
        ]
        return invoices, owed
    invoices = (
        with_balance(Invoice.objects.filter(appointment_id__in=appointment_ids))
        .exclude(status__in=_CLOSED)
        .order_by("created_at")
        .values_list("appointment_id", "pk", "number", "status", "balance")
    )
    owed = (
        with_balance(Invoice.objects.filter(status=Invoice.Status.ISSUED, client_id__in=client_ids))
        .filter(balance__gt=0)
        .values_list("client_id", "balance")
    )
    return list(invoices), list(owed)


def day_list_billing(entries, *, sql=None) -> dict:
    """{appointment pk: DayListBilling} for a day list's entries (pk, client_id),
    in one query on PostgreSQL (two elsewhere) whatever its size."""
    clients = {entry.pk: entry.client_id for entry in entries}
    if not clients:
        return {}
    invoice_rows, owed_rows = _day_list_rows(list(clients), set(clients.values()), sql=sql)
    # In creation order: an appointment's latest invoice is the one shown.
    invoices = {row[0]: row for row in invoice_rows}
    owed = defaultdict(lambda: money.ZERO)
    for client_id, balance in owed_rows:
        owed[client_id] += balance
    result = {}
    for pk, client_id in clients.items():
        invoice = invoices.get(pk)
        draft = invoice is not None and invoice[3] == Invoice.Status.DRAFT
        result[pk] = DayListBilling(
            invoice_id=invoice[1] if invoice else None,
            invoice_number=invoice[2] if invoice else None,
            invoice_draft=draft,
            due=invoice[4] if invoice and not draft else money.ZERO,
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


@dataclass(frozen=True, slots=True)
class AccountPackage:
    name: str  # the product's
    credits: int  # left
    sessions: int  # sold
    expires_at: object


@dataclass(frozen=True, slots=True)
class ClientAccount:
    balance: money.Decimal  # owed over all issued invoices
    packages: list  # of AccountPackage, newest first


# The client's balance (as `with_balance` derives it, written out) and their
# packages with credits left, in one statement: the chart's two ORM queries
# cost more to build than to run. The balance is the row without a name.
_CLIENT_ACCOUNT_SQL = """
SELECT NULL::varchar AS name, NULL::integer AS credits, NULL::integer AS sessions,
       NULL::timestamptz AS expires_at,
       SUM(i.total - COALESCE(paid.total, 0) + COALESCE(back.total, 0)) AS owed
  FROM {invoice} i
  {paid_and_refunded}
 WHERE i.client_id = %(client)s AND i.status = %(issued)s
UNION ALL
(SELECT product.name, COALESCE(SUM(credit.change), 0), product.sessions, purchase.expires_at, NULL
   FROM {purchase} purchase
   JOIN {product} product ON product.id = purchase.product_id
   LEFT JOIN {credit} credit ON credit.purchase_id = purchase.id
  WHERE purchase.client_id = %(client)s
  GROUP BY purchase.id, product.id
  ORDER BY purchase.purchased_at DESC)
""".replace("{paid_and_refunded}", _PAID_AND_REFUNDED_SQL)


def client_account(client, *, sql=None) -> ClientAccount:
    """What the client owes and their packages: `client_balance` and
    `client_packages` in one, as plain values."""
    if sql if sql is not None else written_out():
        tables = {
            **_tables(),
            "purchase": PackagePurchase._meta.db_table,
            "product": PackageProduct._meta.db_table,
            "credit": PackageCredit._meta.db_table,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                _CLIENT_ACCOUNT_SQL.format(**tables),
                {"client": client.pk, "issued": Invoice.Status.ISSUED},
            )
            rows = cursor.fetchall()
        (owed,) = [row[4] for row in rows if row[0] is None]
        packages = [AccountPackage(*row[:4]) for row in rows if row[0] is not None]
        return ClientAccount(owed or money.ZERO, packages)
    return ClientAccount(
        client_balance(client),
        [
            AccountPackage(p.product.name, p.credits, p.product.sessions, p.expires_at)
            for p in client_packages(client)
        ],
    )


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
