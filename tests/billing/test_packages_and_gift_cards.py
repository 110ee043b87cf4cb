"""Packages and gift cards: ledgers that never go below zero."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing import selectors, services
from billing.models import GiftCard, GiftCardEntry, PackageCredit, PackageProduct, Payment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ten_pack(session):
    return PackageProduct.objects.create(
        name="10 x 60 min deep tissue",
        service=session.service,
        sessions=10,
        price=Decimal("850.00"),
        valid_days=365,
    )


def test_a_package_sale_is_an_invoice_to_pay_and_ten_credits(session, ten_pack, front_desk):
    purchase = services.package_sell(client=session.client, product=ten_pack, by=front_desk)
    assert purchase.invoice.total == Decimal("850.00")
    assert purchase.invoice.number == 1
    assert selectors.client_packages(session.client)[0].credits == 10


def test_a_visit_uses_one_credit_and_a_refund_gives_it_back(session, ten_pack, front_desk, issued):
    purchase = services.package_sell(client=session.client, product=ten_pack, by=front_desk)
    payment = services.package_redeem(invoice=issued, purchase=purchase, by=front_desk)
    assert (payment.method, payment.amount) == ("package_credit", Decimal("95.00"))
    assert selectors.invoice_detail(issued)["balance"] == Decimal("0.00")
    assert selectors.client_packages(session.client)[0].credits == 9
    services.refund_record(payment=payment, amount="95", reason="Wrong package", by=front_desk)
    assert selectors.client_packages(session.client)[0].credits == 10
    assert list(PackageCredit.objects.values_list("change", flat=True)) == [10, -1, 1]


def test_an_expired_package_or_another_service_pays_nothing(session, ten_pack, front_desk, issued):
    purchase = services.package_sell(client=session.client, product=ten_pack, by=front_desk)
    later = timezone.now() + timedelta(days=400)
    with pytest.raises(ValidationError, match="expired"):
        services.package_redeem(invoice=issued, purchase=purchase, by=front_desk, now=later)
    ten_pack.service = AppointmentFactory().service
    ten_pack.save()
    with pytest.raises(ValidationError, match="not on this invoice"):
        services.package_redeem(invoice=issued, purchase=purchase, by=front_desk)
    assert not Payment.objects.filter(method="package_credit").exists()


def test_a_gift_card_code_is_shown_once_and_kept_as_a_hash(session, front_desk):
    card, code = services.gift_card_sell(client=session.client, value="100", by=front_desk)
    assert len(code) == 19 and code.count("-") == 3
    stored = GiftCard.objects.get()
    assert code.replace("-", "") not in str(stored.__dict__)
    assert stored.last_four == code[-4:]
    assert selectors.gift_card_balance(card) == Decimal("100.00")


def test_a_gift_card_pays_part_and_keeps_the_rest(session, front_desk, issued):
    _, code = services.gift_card_sell(client=session.client, value="60", by=front_desk)
    payment = services.gift_card_redeem(
        invoice=issued, code=code.lower().replace("-", " "), amount="60", by=front_desk
    )
    assert payment.reference.startswith("Gift card ending")
    assert selectors.invoice_detail(issued)["balance"] == Decimal("35.00")
    with pytest.raises(ValidationError, match=r"has \$0.00 left"):
        services.gift_card_redeem(invoice=issued, code=code, amount="1", by=front_desk)
    services.payment_record(invoice=issued, method="cash", amount="35", by=front_desk)
    assert selectors.invoice_detail(issued)["balance"] == Decimal("0.00")


def test_an_unknown_gift_card_code_is_a_clear_error(issued, front_desk):
    with pytest.raises(ValidationError, match="No gift card has that code"):
        services.gift_card_redeem(invoice=issued, code="AAAA-BBBB", amount="5", by=front_desk)


def test_selling_a_gift_card_shows_the_code_on_the_page_only(client_as, session):
    http = client_as("front_desk")
    response = http.post(
        reverse("billing:sell_gift_card", args=[session.client.pk]), {"value": "50"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "shown only now" in page
    card = GiftCard.objects.get()
    assert f"-{card.last_four}</p>" in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_redeeming_the_last_credit_at_once_use_it_once(
    session, ten_pack, front_desk, location
):
    ten_pack.sessions = 1
    ten_pack.save()
    purchase = services.package_sell(client=session.client, product=ten_pack, by=front_desk)
    other = AppointmentFactory(
        client=session.client,
        therapist=session.therapist,
        service=session.service,
        location=location,
        starts_at=session.starts_at + timedelta(days=1),
        status="completed",
    )
    invoices = [
        services.invoice_issue(
            invoice=services.invoice_open_for_appointment(appointment=a, by=front_desk),
            by=front_desk,
        )
        for a in (session, other)
    ]
    outcomes = _race(
        [
            lambda i=i: services.package_redeem(invoice=i, purchase=purchase, by=None)
            for i in invoices
        ]
    )
    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert selectors.client_packages(session.client)[0].credits == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_desks_spending_a_gift_cards_last_dollars_at_once_spend_them_once(
    session, front_desk, location
):
    _, code = services.gift_card_sell(client=session.client, value="90", by=front_desk)
    other = AppointmentFactory(
        client=session.client,
        therapist=session.therapist,
        service=session.service,
        location=location,
        starts_at=session.starts_at + timedelta(days=1),
    )
    invoices = [
        services.invoice_issue(
            invoice=services.invoice_open_for_appointment(appointment=a, by=front_desk),
            by=front_desk,
        )
        for a in (session, other)
    ]
    outcomes = _race(
        [
            lambda i=i: services.gift_card_redeem(invoice=i, code=code, amount="90", by=None)
            for i in invoices
        ]
    )
    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    card = GiftCard.objects.get()
    assert selectors.gift_card_balance(card) == Decimal("0.00")
    assert GiftCardEntry.objects.filter(card=card).count() == 2


def _race(attempts):
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, attempt):
        try:
            barrier.wait()
            outcomes[index] = attempt()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, a)) for n, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
