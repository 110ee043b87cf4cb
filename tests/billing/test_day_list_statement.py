"""Today's billing statement gives what the ORM's reference gives, invoice by invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing import selectors, services
from tests.factories import AppointmentFactory, ClientFactory, ServiceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def day(therapist, location, front_desk):
    """Today's visits in every billing state, and clients owing on earlier visits."""
    service = ServiceFactory(name="60 min deep tissue", price=Decimal("95.00"))
    now = timezone.now()
    regular, owing = ClientFactory(), ClientFactory()

    today = []

    def visit(client=None, hours=0, status="completed"):
        appointment = AppointmentFactory(
            therapist=therapist,
            service=service,
            location=location,
            client=client or ClientFactory(),
            starts_at=now - timedelta(hours=24) + timedelta(minutes=90 * hours),
            status=status,
        )
        if hours > 0:
            today.append(appointment)
        return appointment

    def issued(appointment, pays=(), refund=None):
        invoice = services.invoice_open_for_appointment(appointment=appointment, by=front_desk)
        invoice = services.invoice_issue(invoice=invoice, by=front_desk)
        payment = None
        for amount in pays:
            payment = services.payment_record(
                invoice=invoice, method="cash", amount=amount, by=front_desk
            )
        if refund:
            services.refund_record(payment=payment, amount=refund, reason="Short", by=front_desk)
        return invoice

    # Earlier visits: one paid, one half paid, one voided (nothing due).
    issued(visit(regular, hours=-200), pays=["95"])
    issued(visit(owing, hours=-300), pays=["40"])
    services.invoice_void(
        invoice=issued(visit(owing, hours=-400)), reason="Wrong client", by=front_desk
    )
    visit(hours=1, status="booked")  # nothing yet
    services.invoice_open_for_appointment(appointment=visit(hours=2), by=front_desk)  # draft
    issued(visit(hours=3), pays=["95"])  # paid
    issued(visit(owing, hours=4), pays=["50"])  # partly paid, and owing before
    issued(visit(regular, hours=5), pays=["95"], refund="15")  # refunded: due again
    again = visit(hours=6)
    services.invoice_void(invoice=issued(again), reason="Wrong service", by=front_desk)
    services.invoice_open_for_appointment(appointment=again, by=front_desk)  # redone, draft
    fee = visit(hours=7, status="no_show")
    drafted = services.fee_draft(appointment=fee, kind="no_show", by=front_desk)
    if drafted is not None:
        services.fee_waive(invoice=drafted, reason="First time", by=front_desk)
    visit(owing, hours=8, status="booked")  # the owing client again, nothing yet
    return today


def test_the_statement_and_the_orm_agree(day):
    ids = [entry.pk for entry in day]
    clients = {entry.client_id for entry in day}
    invoices, owed = selectors._day_list_rows(ids, clients, sql=True)
    reference_invoices, reference_owed = selectors._day_list_rows(ids, clients, sql=False)
    assert invoices == reference_invoices
    assert sorted(owed) == sorted(reference_owed)
    assert {status for *_, status, _ in invoices} == {"draft", "issued"}
    assert sorted(balance for _, balance in owed) == [
        Decimal("15.00"),
        Decimal("45.00"),
        Decimal("55.00"),
    ]

    billing = selectors.day_list_billing(day, sql=True)
    assert billing == selectors.day_list_billing(day, sql=False)
    assert sum(bill.client_owes for bill in billing.values()) == Decimal("215.00")
    assert sum(1 for bill in billing.values() if bill.invoice_draft) == 2


def test_one_query(day, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.day_list_billing(day)
