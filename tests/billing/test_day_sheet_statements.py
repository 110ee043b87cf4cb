"""The day sheet's hand-written PostgreSQL statements give what the ORM's reference gives."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import selectors, services
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory, TherapistFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def busy_day(therapist, location, front_desk):
    """Two therapists' sessions: paid by card, cash and split; tips; a refund; some left open."""
    kim = TherapistFactory(display_name="Kim Lee")
    service = ServiceFactory(name="60 min deep tissue", price=Decimal("95.00"))
    start = timezone.now() - timedelta(hours=8)
    days_payments = [
        (therapist, [("cash", "95")]),
        (kim, [("card_terminal", "50"), ("cash", "20")]),
        (therapist, [("card_terminal", "95")]),
        (kim, []),
    ]
    for i, (who, pays) in enumerate(days_payments):
        session = AppointmentFactory(
            therapist=who,
            service=service,
            location=location,
            client=ClientFactory(),
            starts_at=start + timedelta(hours=2 * i),
            status="completed",
        )
        invoice = services.invoice_open_for_appointment(appointment=session, by=front_desk)
        if i % 2 == 0:
            services.invoice_add_line(
                invoice=invoice, kind="tip", description="Tip", unit_price="12.50", by=front_desk
            )
        invoice = services.invoice_issue(invoice=invoice, by=front_desk)
        for method, amount in pays:
            payment = services.payment_record(
                invoice=invoice, method=method, amount=amount, by=front_desk
            )
        if i == 2:
            services.refund_record(payment=payment, amount="15", reason="Short", by=front_desk)
    services.invoice_open_for_appointment(
        appointment=AppointmentFactory(therapist=kim, service=service, status="completed"),
        by=front_desk,
    )
    return selectors._day_bounds(timezone.localdate(), timezone.get_current_timezone())


def test_the_statements_and_the_orm_agree(busy_day):
    start, end = busy_day
    sums = selectors._day_sums(start, end, sql=True)
    assert sums == selectors._day_sums(start, end, sql=False)
    assert {row[0] for row in sums} == {"payment", "tip", "issued"}
    refunds = selectors._day_refund_rows(start, end, sql=True)
    assert refunds == selectors._day_refund_rows(start, end, sql=False)
    assert [row[2] for row in refunds] == [Decimal("15.00")]
    invoices = selectors._open_invoice_rows(200, sql=True)
    assert invoices == selectors._open_invoice_rows(200, sql=False)
    assert len(invoices) == 4  # only the first is paid in full, less its tip
