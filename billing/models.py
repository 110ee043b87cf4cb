"""Invoices, their lines, payments and refunds.

An issued invoice never changes: its lines and totals are fixed at issue
(save() refuses, and on PostgreSQL a trigger refuses the UPDATE itself). A
mistake is a void with a reason and a new invoice. The balance due is
derived from the total, the payments and the refunds, never stored.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from clients.models import Client
from practice.models import Appointment, Service, Therapist

MONEY = {"max_digits": 10, "decimal_places": 2}


class InvoiceSequence(models.Model):
    """The last invoice number given, one row per practice.

    Issuing locks this row, takes the next number and saves the invoice in one
    transaction: a rollback gives the number back, so numbers never skip.
    """

    name = models.CharField(max_length=20, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.name}: {self.last_number}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ISSUED = "issued", "Issued"
        VOID = "void", "Void"
        # A fee that was never charged: closed with a reason, no number.
        WAIVED = "waived", "Waived"

    # Fixed at issue; the database trigger refuses changing them afterwards.
    ISSUED_FIELDS = (
        "client_id",
        "appointment_id",
        "number",
        "issued_at",
        "subtotal",
        "tax",
        "total",
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField(null=True, blank=True, unique=True)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(**MONEY, default=0)
    tax = models.DecimalField(**MONEY, default=0)
    total = models.DecimalField(**MONEY, default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "waived"])
                | Q(number__isnull=False, issued_at__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["void", "waived"]) | ~Q(void_reason=""),
                name="invoice_void_has_reason",
            ),
            # One open draft per appointment: checkout twice opens the same one.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status="draft"),
                name="invoice_one_draft_per_appointment",
            ),
        ]
        indexes = [
            # The day sheet and the client's open balance: issued invoices by client.
            models.Index(fields=["client", "status"], name="invoice_client_status"),
            # The day sheet: tips and invoices issued that day, open invoices oldest first.
            models.Index(fields=["issued_at"], name="invoice_issued_at"),
        ]

    def __str__(self):
        return f"Invoice {self.number}" if self.number else "Draft invoice"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            stored = (
                Invoice.objects.filter(pk=self.pk).values(*self.ISSUED_FIELDS, "status").first()
            )
            if stored and stored["status"] != self.Status.DRAFT:
                changed = [f for f in self.ISSUED_FIELDS if getattr(self, f) != stored[f]]
                if changed or self.status == self.Status.DRAFT:
                    raise ValidationError("An issued invoice cannot change; void it instead.")
        super().save(*args, **kwargs)

    @property
    def is_draft(self):
        return self.status == self.Status.DRAFT


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        SERVICE = "service", "Service"
        PRODUCT = "product", "Product"
        TIP = "tip", "Tip"
        FEE = "fee", "Fee"
        CREDIT = "credit", "Credit"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    description = models.CharField(max_length=200)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True)
    # Whose session or whose tip: the day sheet's takings by therapist.
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, null=True, blank=True)
    quantity = models.DecimalField(max_digits=7, decimal_places=2, default=1)
    unit_price = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=3, default=0)
    net = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY, default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoice_line_quantity"),
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="invoice_line_tax_rate"
            ),
            # Only a credit line takes money off; everything else adds.
            models.CheckConstraint(
                condition=Q(kind="credit", unit_price__lte=0)
                | Q(unit_price__gte=0) & ~Q(kind="credit"),
                name="invoice_line_sign",
            ),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self._refuse_unless_draft()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_unless_draft()
        return super().delete(*args, **kwargs)

    def _refuse_unless_draft(self):
        status = Invoice.objects.filter(pk=self.invoice_id).values_list("status", flat=True).first()
        if status is not None and status != Invoice.Status.DRAFT:
            raise ValidationError("An issued invoice's lines cannot change.")


class Payment(models.Model):
    class Method(models.TextChoices):
        CASH = "cash", "Cash"
        CARD_TERMINAL = "card_terminal", "Card (terminal)"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"
        CHEQUE = "cheque", "Cheque"
        GIFT_CARD = "gift_card", "Gift card"
        PACKAGE_CREDIT = "package_credit", "Package credit"
        INSURANCE = "insurance", "Insurance"
        OTHER = "other", "Other"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=20, choices=Method.choices)
    amount = models.DecimalField(**MONEY)
    # A terminal slip or transfer reference; never a card number.
    reference = models.CharField(max_length=80, blank=True)
    # Which payment provider took it (billing.providers); "in_person" records
    # what the desk took itself, the provider's own id goes in `reference`.
    provider = models.CharField(max_length=40, default="in_person")
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["received_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]
        indexes = [
            # The day sheet: payments received in a period.
            models.Index(fields=["received_at"], name="payment_received_at"),
        ]

    def __str__(self):
        return f"{self.get_method_display()} {self.amount}"


class Refund(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=200)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        ordering = ["refunded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="refund_has_reason"),
        ]
        indexes = [models.Index(fields=["refunded_at"], name="refund_refunded_at")]

    def __str__(self):
        return f"Refund {self.amount}"


class PackageProduct(models.Model):
    """What the owner sells: N sessions of a service, valid for some days, at a price."""

    name = models.CharField(max_length=120, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="packages")
    sessions = models.PositiveSmallIntegerField()
    price = models.DecimalField(**MONEY)
    valid_days = models.PositiveIntegerField(default=365)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(sessions__gt=0), name="package_has_sessions"),
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price"),
        ]

    def __str__(self):
        return self.name


class PackagePurchase(models.Model):
    """A client's package; its credits are the sum of its ledger, never stored."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="packages")
    product = models.ForeignKey(PackageProduct, on_delete=models.PROTECT)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="packages_sold")
    purchased_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-purchased_at"]

    def __str__(self):
        return f"{self.product} for {self.client}"


class LedgerEntry(models.Model):
    """One change to a balance; a balance is the sum of its entries, never stored."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("Ledger entries are never changed; add a new one.")
        super().save(*args, **kwargs)


class PackageCredit(LedgerEntry):
    """+N at sale, -1 per redeemed visit, +1 when that is refunded."""

    purchase = models.ForeignKey(PackagePurchase, on_delete=models.PROTECT, related_name="ledger")
    change = models.SmallIntegerField()

    class Meta(LedgerEntry.Meta):
        pass

    def __str__(self):
        return f"{self.change:+d} credit"


class GiftCard(models.Model):
    """A gift card: its code is shown once and kept only as a hash and its last four."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code_hash = models.CharField(max_length=64, unique=True)
    last_four = models.CharField(max_length=4)
    initial_value = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="gift_cards_sold")
    sold_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-sold_at"]
        constraints = [
            models.CheckConstraint(condition=Q(initial_value__gt=0), name="gift_card_value")
        ]

    def __str__(self):
        return f"Gift card ending {self.last_four}"


class GiftCardEntry(LedgerEntry):
    """+value at sale, -amount per redemption, +amount per refund."""

    card = models.ForeignKey(GiftCard, on_delete=models.PROTECT, related_name="ledger")
    change = models.DecimalField(**MONEY)

    class Meta(LedgerEntry.Meta):
        pass

    def __str__(self):
        return f"{self.change:+} on {self.card}"


class ReceiptEmail(models.Model):
    """A receipt to email: written with the request, sent by Celery, swept until sent.

    The row is the outbox: a lost task message or a dead worker leaves it
    unsent, and the periodic sweep queues it again.
    """

    MAX_ATTEMPTS = 8

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="receipt_emails")
    to = models.EmailField()
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            # The sweep: unsent receipts whose next attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="receipt_email_due",
            )
        ]

    def __str__(self):
        return f"Receipt {self.invoice_id} to {self.to}"

    @property
    def gave_up(self) -> bool:
        return self.sent_at is None and self.attempts >= self.MAX_ATTEMPTS
