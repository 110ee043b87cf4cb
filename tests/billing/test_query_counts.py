"""Checkout and the day sheet run a constant number of queries, within budget.

The invoice page with one line and one payment asks as often as one with
many lines, payments, refunds and emailed receipts; a payment POST as often
on an invoice already paid in many parts; the day sheet (and its CSV) as
often on a day of two visits as on a day of twelve.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

BUDGET = 15  # DESIGN "Performance budgets": every staff page


def _count(send, *args, expect=200, **kwargs):
    """Queries of a warm request (the first one of a session also reads caches)."""
    send(*args, **kwargs)
    with CaptureQueriesContext(connection) as captured:
        response = send(*args, **kwargs)
    assert response.status_code == expect, response.content.decode()[:500]
    return len(captured.captured_queries)


def _visit(session, n, **kwargs):
    """Another completed session of Dana's earlier today, each with its own client."""
    return AppointmentFactory(
        therapist=session.therapist,
        service=session.service,
        location=session.location,
        client=ClientFactory(email=f"client{n}@example.com"),
        status="completed",
        starts_at=timezone.now() - timedelta(hours=2 * (n + 1)),
        **kwargs,
    )


def _issued(appointment, by, *, extra_lines=0):
    invoice = services.invoice_open_for_appointment(appointment=appointment, by=by)
    for n in range(extra_lines):
        kind = "tip" if n % 2 else "product"
        services.invoice_add_line(
            invoice=invoice, kind=kind, description=f"Extra {n}", unit_price="5", by=by
        )
    return services.invoice_issue(invoice=invoice, by=by)


def _grow(invoice, by, *, payments):
    """`payments` small payments, each partly refunded, and emailed receipts."""
    for _ in range(payments):
        payment = services.payment_record(invoice=invoice, method="cash", amount="2", by=by)
        services.refund_record(payment=payment, amount="1", reason="Overcharged", by=by)
    for _ in range(3):
        services.receipt_email_request(invoice=invoice, by=by)


def test_the_invoice_page_asks_as_often_with_many_lines_and_payments(
    client_as, session, front_desk, django_assert_max_num_queries
):
    session.client.email = "maria@example.com"
    session.client.save()
    http = client_as("front_desk")
    small = _issued(session, front_desk)
    services.payment_record(invoice=small, method="cash", amount="10", by=front_desk)
    big = _issued(_visit(session, 1), front_desk, extra_lines=8)
    _grow(big, front_desk, payments=6)

    few = _count(http.get, reverse("billing:invoice", args=[small.pk]))
    with django_assert_max_num_queries(BUDGET):
        page = http.get(reverse("billing:invoice", args=[big.pk]))
    many = _count(http.get, reverse("billing:invoice", args=[big.pk]))
    assert few == many
    # The grown invoice really shows what it holds.
    assert page.content.decode().count("Refunded $1.00") == 6


def test_a_draft_invoice_page_asks_as_often_with_many_lines(client_as, session, front_desk):
    http = client_as("front_desk")
    draft = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    url = reverse("billing:invoice", args=[draft.pk])
    few = _count(http.get, url)
    for n in range(8):
        services.invoice_add_line(
            invoice=draft, kind="product", description=f"Oil {n}", unit_price="4", by=front_desk
        )
    many = _count(http.get, url)
    assert few == many <= BUDGET


def test_a_payment_post_asks_as_often_on_an_invoice_paid_in_many_parts(
    client_as, session, front_desk
):
    http = client_as("front_desk")
    invoice = _issued(session, front_desk)
    url = reverse("billing:payment_add", args=[invoice.pk])
    body = {"method": "cash", "amount": "1.00"}
    few = _count(http.post, url, body, expect=302)
    _grow(invoice, front_desk, payments=8)
    many = _count(http.post, url, body, expect=302)
    assert few == many <= BUDGET
    assert invoice.payments.count() == 12


@pytest.mark.parametrize("params", [{}, {"format": "csv"}], ids=["page", "csv"])
def test_the_day_sheet_asks_as_often_on_a_busy_day(client_as, session, front_desk, params):
    http = client_as("front_desk")
    url = reverse("billing:day_sheet")

    def day_of(visits, start):
        for n in range(start, start + visits):
            invoice = _issued(_visit(session, n), front_desk, extra_lines=2)
            if n % 3:  # some settled in two methods, the others left open with a refund
                services.payment_record(
                    invoice=invoice, method="card_terminal", amount="50", by=front_desk
                )
                services.payment_record(
                    invoice=invoice, method="cash", amount=invoice.total - 50, by=front_desk
                )
            else:
                _grow(invoice, front_desk, payments=1)

    day_of(2, 0)
    few = _count(http.get, url, params)
    day_of(10, 2)
    many = _count(http.get, url, params)
    assert few == many <= BUDGET
    page = http.get(url, params).content.decode()
    # Twelve visits: four left open (n = 0, 3, 6, 9), each with a $1 refund.
    if params:
        assert page.count("open invoices,Invoice") == 4
        assert page.count("refunds,Invoice") == 4
    else:
        assert page.count(" due</p>") == 4
        assert "12 invoices issued this day" in page
