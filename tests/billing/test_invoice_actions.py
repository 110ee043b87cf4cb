"""The invoice page's form POSTs, one view each built by `invoice_form_view`:
each does its own action, and a refusal shows the invoice again with what was
typed and why, leaving everything as it was."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse

from billing import selectors, services
from billing.models import Invoice, Payment, Refund
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _draft(session, by):
    return services.invoice_open_for_appointment(appointment=session, by=by)


def _fee_draft(session, by):
    # A fee on its own, as a late cancel drafts it: the only kind staff waive.
    draft = Invoice.objects.create(client=session.client, currency=settings.RELIEF_CURRENCY)
    services.invoice_add_line(
        invoice=draft, kind="fee", description="Late cancel", unit_price="40", by=by
    )
    return draft


def _issued(session, by):
    return services.invoice_issue(invoice=_draft(session, by), by=by)


def _paid(session, by):
    invoice = _issued(session, by)
    services.payment_record(invoice=invoice, method="card_terminal", amount="95", by=by)
    return invoice


def _with_card(session, by):
    invoice = _issued(session, by)
    _, code = services.gift_card_sell(client=session.client, value="30", by=by)
    return invoice, code


def _balance(invoice):
    return selectors.invoice_detail(invoice)["balance"]


# name, the invoice it acts on, a body it accepts, one the service refuses,
# the message on success, and what the accepted body changed.
ACTIONS = [
    (
        "line_add",
        _draft,
        {"kind": "product", "description": "Arnica oil", "quantity": "2", "unit_price": "12"},
        {"kind": "credit", "description": "Too much", "quantity": "1", "unit_price": "500"},
        "Line added.",
        lambda invoice: invoice.lines.filter(description="Arnica oil").count() == 1,
    ),
    (
        "void",
        _issued,
        {"reason": "Wrong client"},
        {"reason": "   "},
        "Invoice 1 is void.",
        lambda invoice: (invoice.status, invoice.void_reason) == ("void", "Wrong client"),
    ),
    (
        "waive",
        _fee_draft,
        {"reason": "First time, ill"},
        {"reason": "   "},
        "Fee waived.",
        lambda invoice: (invoice.status, invoice.number) == ("waived", None),
    ),
    (
        "payment_add",
        _issued,
        {"method": "cash", "amount": "45"},
        {"method": "cash", "amount": "500"},
        "Payment recorded.",
        lambda invoice: _balance(invoice) == Decimal("50.00"),
    ),
    (
        "refund_add",
        _paid,
        {"amount": "10", "reason": "Shorter session"},
        {"amount": "200", "reason": "More than was paid"},
        "Refund recorded.",
        lambda invoice: Refund.objects.get().amount == Decimal("10.00"),
    ),
    (
        "gift_card_pay",
        _with_card,
        {"amount": "30"},
        {"amount": "31"},
        "Gift card payment recorded.",
        lambda invoice: _balance(invoice) == Decimal("65.00"),
    ),
]
IDS = [action[0] for action in ACTIONS]


FORM_OF = {
    "line_add": "line_form",
    "void": "void_form",
    "waive": "void_form",
    "payment_add": "payment_form",
    "refund_add": "refund_form",
    "gift_card_pay": "gift_card_form",
}


def _url(name, invoice):
    if name == "refund_add":
        return reverse(f"billing:{name}", args=[invoice.pk, invoice.payments.get().pk])
    return reverse(f"billing:{name}", args=[invoice.pk])


def _prepare(make, session, front_desk, body):
    made = make(session, front_desk)
    if isinstance(made, tuple):  # the gift card: its code goes in the body
        made, code = made
        body = {**body, "code": code}
    return made, body


def _state(invoice):
    invoice = Invoice.objects.get(pk=invoice.pk)
    return (
        invoice.status,
        invoice.number,
        list(invoice.lines.values_list("description", "net")),
        list(Payment.objects.values_list("amount", "method")),
        list(Refund.objects.values_list("amount", flat=True)),
    )


@pytest.mark.parametrize(("name", "make", "good", "bad", "success", "done"), ACTIONS, ids=IDS)
def test_each_action_does_its_work_and_returns_to_the_invoice(
    client_as, session, front_desk, name, make, good, bad, success, done
):
    invoice, body = _prepare(make, session, front_desk, good)
    response = client_as("front_desk").post(_url(name, invoice), body)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:invoice", args=[invoice.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [success]
    assert done(Invoice.objects.get(pk=invoice.pk))


@pytest.mark.parametrize(("name", "make", "good", "bad", "success", "done"), ACTIONS, ids=IDS)
def test_a_refused_action_shows_the_invoice_again_and_changes_nothing(
    client_as, session, front_desk, name, make, good, bad, success, done
):
    invoice, body = _prepare(make, session, front_desk, bad)
    before = _state(invoice)
    response = client_as("front_desk").post(_url(name, invoice), body)
    assert response.status_code == 400
    # The refused form comes back bound, with what was typed and why.
    form = response.context[FORM_OF[name]]
    assert form.is_bound and form.errors
    assert {key: form.data[key] for key in body} == body
    if name == "refund_add":  # that payment's refund form is the one shown open
        assert response.context["refund_payment"] == invoice.payments.get().pk
    assert _state(invoice) == before


@pytest.mark.parametrize(("name", "make", "good", "bad", "success", "done"), ACTIONS, ids=IDS)
def test_actions_are_posts_for_billing_staff_only(
    client_as, session, front_desk, name, make, good, bad, success, done
):
    invoice, body = _prepare(make, session, front_desk, good)
    before = _state(invoice)
    url = _url(name, invoice)
    assert client_as("therapist").post(url, body).status_code == 404
    assert client_as("front_desk").get(url).status_code == 405
    assert _state(invoice) == before


def test_a_refund_of_another_invoices_payment_is_not_found(client_as, session, front_desk):
    invoice = _paid(session, front_desk)
    other = services.invoice_issue(invoice=_fee_draft(session, front_desk), by=front_desk)
    url = reverse("billing:refund_add", args=[other.pk, invoice.payments.get().pk])
    response = client_as("front_desk").post(url, {"amount": "10", "reason": "Wrong"})
    assert response.status_code == 404
    assert not Refund.objects.exists()


def test_an_invoice_of_an_unknown_id_is_not_found(client_as, session, front_desk):
    url = reverse("billing:payment_add", args=[ClientFactory().pk])
    assert client_as("front_desk").post(url, {"method": "cash", "amount": "1"}).status_code == 404
