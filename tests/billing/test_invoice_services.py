"""Checkout drafts, issuing, voiding, payments and refunds, without HTTP."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from billing import selectors, services
from billing.models import Invoice, InvoiceLine, Payment

pytestmark = pytest.mark.django_db


def test_checkout_starts_with_the_service_line_and_opens_the_same_draft_twice(session, front_desk):
    first = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    again = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    assert first.pk == again.pk
    line = first.lines.get()
    assert (line.kind, line.description, line.net, line.therapist) == (
        "service",
        "60 min deep tissue",
        Decimal("95.00"),
        session.therapist,
    )


def test_a_cancelled_appointment_has_nothing_to_check_out(session, front_desk):
    session.status = "cancelled"
    session.save()
    with pytest.raises(ValidationError, match="no session to charge for"):
        services.invoice_open_for_appointment(appointment=session, by=front_desk)
    assert not Invoice.objects.exists()


def test_a_tip_goes_to_the_sessions_therapist_untaxed(session, front_desk, settings):
    settings.RELIEF_DEFAULT_TAX_RATE = Decimal("8.875")
    invoice = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    tip = services.invoice_add_line(
        invoice=invoice, kind="tip", description="Tip", unit_price="15", by=front_desk
    )
    assert (tip.therapist, tip.tax, tip.net) == (session.therapist, Decimal("0.00"), Decimal("15"))
    issued = services.invoice_issue(invoice=invoice, by=front_desk)
    assert issued.subtotal == Decimal("110.00")
    assert issued.tax == Decimal("8.43")
    assert issued.total == Decimal("118.43")


def test_credits_cannot_take_an_invoice_below_zero(session, front_desk):
    invoice = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    with pytest.raises(ValidationError, match="Credits cannot exceed"):
        services.invoice_add_line(
            invoice=invoice, kind="credit", description="Goodwill", unit_price="200", by=front_desk
        )
    assert invoice.lines.count() == 1


def test_issuing_numbers_invoices_one_after_another(session, front_desk, issued):
    from tests.factories import AppointmentFactory

    other = AppointmentFactory(
        therapist=session.therapist,
        service=session.service,
        starts_at=session.starts_at + timedelta(days=1),
    )
    second = services.invoice_issue(
        invoice=services.invoice_open_for_appointment(appointment=other, by=front_desk),
        by=front_desk,
    )
    assert (issued.number, second.number) == (1, 2)


def test_an_issued_invoice_refuses_changes_to_its_lines_and_totals(issued, front_desk):
    with pytest.raises(ValidationError):
        services.invoice_add_line(
            invoice=issued, kind="product", description="Oil", unit_price="5", by=front_desk
        )
    issued.total = Decimal("1.00")
    with pytest.raises(ValidationError):
        issued.save()
    line = InvoiceLine.objects.get(invoice=issued)
    line.unit_price = Decimal("1.00")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()


@pytest.mark.postgres
def test_the_database_refuses_editing_an_issued_invoice_behind_the_app(issued):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(total=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        InvoiceLine.objects.filter(invoice=issued).update(net=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        Invoice.objects.filter(pk=issued.pk).update(status="draft")
    assert Invoice.objects.get(pk=issued.pk).total == Decimal("95.00")


def test_a_three_way_split_payment_settles_the_invoice(issued, front_desk):
    for method, amount in (("cash", "31.67"), ("card_terminal", "31.67"), ("insurance", "31.66")):
        services.payment_record(invoice=issued, method=method, amount=amount, by=front_desk)
    detail = selectors.invoice_detail(issued)
    assert detail["paid"] == Decimal("95.00")
    assert detail["balance"] == Decimal("0.00")
    with pytest.raises(ValidationError, match="is due"):
        services.payment_record(invoice=issued, method="cash", amount="0.01", by=front_desk)


def test_a_payment_above_what_is_due_is_refused(issued, front_desk):
    with pytest.raises(ValidationError, match=r"Only \$95.00 is due"):
        services.payment_record(invoice=issued, method="cash", amount="100", by=front_desk)
    assert not Payment.objects.exists()


def test_a_partial_refund_reopens_that_much_of_the_balance(issued, front_desk):
    payment = services.payment_record(
        invoice=issued, method="card_terminal", amount="95", by=front_desk
    )
    services.refund_record(payment=payment, amount="20", reason="Session cut short", by=front_desk)
    detail = selectors.invoice_detail(issued)
    assert (detail["paid"], detail["refunded"], detail["balance"]) == (
        Decimal("75.00"),
        Decimal("20.00"),
        Decimal("20.00"),
    )
    assert selectors.client_balance(issued.client) == Decimal("20.00")
    with pytest.raises(ValidationError, match=r"At most 75\.00"):
        services.refund_record(payment=payment, amount="80", reason="Again", by=front_desk)


def test_front_desk_refunds_above_the_limit_need_the_owner(issued, front_desk, owner, settings):
    settings.RELIEF_FRONT_DESK_REFUND_LIMIT = Decimal("50")
    payment = services.payment_record(invoice=issued, method="cash", amount="95", by=front_desk)
    with pytest.raises(PermissionDenied, match="need the owner"):
        services.refund_record(payment=payment, amount="60", reason="Complaint", by=front_desk)
    refund = services.refund_record(payment=payment, amount="60", reason="Complaint", by=owner)
    assert refund.amount == Decimal("60.00")


def test_voiding_needs_a_reason_and_the_payments_refunded_first(issued, front_desk):
    with pytest.raises(ValidationError):
        services.invoice_void(invoice=issued, reason="  ", by=front_desk)
    payment = services.payment_record(invoice=issued, method="cash", amount="95", by=front_desk)
    with pytest.raises(ValidationError, match="Refund the payments"):
        services.invoice_void(invoice=issued, reason="Wrong client", by=front_desk)
    services.refund_record(payment=payment, amount="95", reason="Wrong client", by=front_desk)
    void = services.invoice_void(invoice=issued, reason="Wrong client", by=front_desk)
    assert (void.status, void.number) == ("void", 1)
