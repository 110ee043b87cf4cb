"""The payment-provider interface: the built-in one records, a configured one takes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import providers, services
from billing.models import Payment, Refund

pytestmark = pytest.mark.django_db

calls: list[tuple] = []


class TerminalProvider(providers.BasePaymentProvider):
    """Stands in for a card provider's client: it keeps what it was asked."""

    name = "terminal-co"
    methods = frozenset({"card_terminal"})
    refuse = ""

    def take(self, *, invoice, amount, method, reference):
        if TerminalProvider.refuse:
            raise providers.PaymentRefused(TerminalProvider.refuse)
        calls.append(("take", invoice.pk, amount, method, reference))
        return providers.ProviderResult(reference=f"ch_{len(calls)}")

    def refund(self, *, payment, amount):
        if TerminalProvider.refuse:
            raise providers.PaymentRefused(TerminalProvider.refuse)
        calls.append(("refund", payment.reference, amount))


@pytest.fixture
def terminal(settings):
    settings.RELIEF_PAYMENT_PROVIDER = f"{__name__}.TerminalProvider"
    calls.clear()
    TerminalProvider.refuse = ""
    yield
    TerminalProvider.refuse = ""


def test_the_built_in_provider_records_what_the_desk_took(issued):
    payment = services.payment_record(
        invoice=issued, method="card_terminal", amount="95", by=None, reference="slip 7"
    )
    assert (payment.provider, payment.reference) == ("in_person", "slip 7")


def test_a_configured_provider_takes_its_methods_and_the_desk_records_the_rest(issued, terminal):
    card = services.payment_record(
        invoice=issued, method="card_terminal", amount="60", by=None, reference="desk 1"
    )
    cash = services.payment_record(invoice=issued, method="cash", amount="35", by=None)
    assert calls == [("take", issued.pk, Decimal("60.00"), "card_terminal", "desk 1")]
    card.refresh_from_db()
    assert (card.provider, card.reference) == ("terminal-co", "ch_1")
    assert cash.provider == "in_person"

    services.refund_record(payment=card, amount="10", reason="overcharged", by=None)
    assert calls[-1] == ("refund", "ch_1", Decimal("10.00"))
    assert Refund.objects.get().amount == Decimal("10.00")


def test_a_declined_payment_records_nothing_and_says_why(client_as, issued, terminal):
    TerminalProvider.refuse = "Card declined: insufficient funds."
    response = client_as("front_desk").post(
        reverse("billing:payment_add", args=[issued.pk]),
        {"method": "card_terminal", "amount": "95", "reference": "desk 2"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Card declined: insufficient funds." in page
    assert 'value="desk 2"' in page
    assert not Payment.objects.exists()


def test_a_declined_refund_records_nothing(issued, terminal):
    card = services.payment_record(invoice=issued, method="card_terminal", amount="95", by=None)
    TerminalProvider.refuse = "Refund window closed."
    with pytest.raises(services.ValidationError, match="Refund window closed"):
        services.refund_record(payment=card, amount="95", reason="cancelled", by=None)
    assert not Refund.objects.exists()


def test_a_payment_from_a_provider_no_longer_set_up_is_not_refunded_silently(
    issued, terminal, settings
):
    card = services.payment_record(invoice=issued, method="card_terminal", amount="95", by=None)
    settings.RELIEF_PAYMENT_PROVIDER = "billing.providers.InPersonProvider"
    with pytest.raises(services.ValidationError, match="no longer set up"):
        services.refund_record(payment=card, amount="5", reason="goodwill", by=None)
    assert not Refund.objects.exists()


def test_a_provider_that_does_not_import_fails_the_system_check(settings):
    from billing.checks import payment_provider_configured

    assert payment_provider_configured(None) == []
    settings.RELIEF_PAYMENT_PROVIDER = "billing.providers.Nowhere"
    assert [e.id for e in payment_provider_configured(None)] == ["billing.E001"]
    settings.RELIEF_PAYMENT_PROVIDER = "billing.money.to_money"
    assert [e.id for e in payment_provider_configured(None)] == ["billing.E002"]
