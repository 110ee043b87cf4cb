"""The front desk takes the money after two sessions, in a real browser.

Maria pays her session with a package credit and adds a tip on the card
terminal; her friend buys a gift card; the next client pays partly with it.
The receipt opens as a PDF and the day sheet adds up.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing import services
from billing.models import GiftCard, PackageProduct
from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _session(therapist, location, service, client, days):
    return factories.AppointmentFactory(
        therapist=therapist,
        service=service,
        location=location,
        client=client,
        status="completed",
        starts_at=factories.AppointmentFactory.starts_at.function() - timedelta(days=days),
    )


def _take_payment(page, method, amount, reference=""):
    form = page.locator("form", has=page.get_by_role("button", name="Record payment"))
    form.get_by_label("Method").select_option(label=method)
    form.get_by_label("Amount").fill(amount)
    if reference:
        form.get_by_label("Reference").fill(reference)
    form.get_by_role("button", name="Record payment").click()


def test_front_desk_checks_out_with_a_package_a_tip_and_a_gift_card(
    page, therapist, location, front_desk
):
    therapist.credentials = "LMT"
    therapist.licence_number = "MA-12345"
    therapist.save()
    service = factories.ServiceFactory(name="60 min deep tissue", price=Decimal("95.00"))
    maria = factories.ClientFactory(first_name="Maria", last_name="Gonzalez")
    lee = factories.ClientFactory(first_name="Lee", last_name="Chen")
    first = _session(therapist, location, service, maria, days=1)
    second = _session(therapist, location, service, lee, days=2)
    pack = PackageProduct.objects.create(
        name="5 x 60 min deep tissue", service=service, sessions=5, price=Decimal("450.00")
    )
    bought = services.package_sell(client=maria, product=pack, by=front_desk)
    services.payment_record(invoice=bought.invoice, method="cash", amount="450", by=front_desk)

    _sign_in(page, front_desk.username)
    page.goto(f"/appointments/{first.pk}/")
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("button", name="Start checkout").click()
    add = page.locator("form", has=page.get_by_role("button", name="Add line"))
    add.get_by_label("Type").select_option(label="Tip (goes to the therapist)")
    add.get_by_label("Description").fill("Tip")
    add.get_by_label("Price each").fill("15")
    add.get_by_role("button", name="Add line").click()
    expect(page.locator("#invoice-total")).to_have_text("$110.00")
    page.get_by_role("button", name=re.compile("Issue invoice")).click()
    expect(page.get_by_role("heading", name="Invoice 2")).to_be_visible()
    page.get_by_role("button", name=re.compile("Use a credit of 5 x 60 min")).click()
    expect(page.locator("#balance-due")).to_have_text("$15.00")
    _take_payment(page, "Card (terminal)", "15", "slip 0042")
    expect(page.locator("#balance-due")).to_have_text("$0.00")

    # The receipt opens as a PDF.
    receipt = page.request.get(page.get_by_role("link", name="Receipt (PDF)").get_attribute("href"))
    assert receipt.status == 200
    assert receipt.headers["content-type"] == "application/pdf"
    assert receipt.body().startswith(b"%PDF")

    # Maria buys a gift card for Lee; the code is shown once.
    page.goto(f"/clients/{maria.pk}/")
    page.get_by_role("link", name="Sell a package or gift card").click()
    page.get_by_label("Card value").fill("50")
    page.get_by_role("button", name="Sell gift card").click()
    code = page.locator("#gift-card-code").inner_text().strip()
    assert code.endswith(GiftCard.objects.get().last_four)
    page.get_by_role("link", name="Take the payment for the card").click()
    _take_payment(page, "Cash", "50")
    expect(page.locator("#balance-due")).to_have_text("$0.00")

    # Lee pays partly with the card, the rest in cash.
    page.goto(f"/billing/checkout/{second.pk}/")
    page.get_by_role("button", name="Start checkout").click()
    page.get_by_role("button", name=re.compile("Issue invoice")).click()
    page.get_by_text("Pay with a gift card").click()
    card_form = page.locator("form", has=page.get_by_role("button", name="Use gift card"))
    card_form.get_by_label("Gift card code").fill(code)
    card_form.get_by_label("Amount").fill("50")
    card_form.get_by_role("button", name="Use gift card").click()
    expect(page.locator("#balance-due")).to_have_text("$45.00")
    _take_payment(page, "Cash", "45")
    expect(page.locator("#balance-due")).to_have_text("$0.00")

    # The day sheet adds up: 450 + 15 + 50 + 45 in money; the package credit
    # and the gift card were paid for when sold, so they are not counted again.
    page.get_by_role("link", name="Day sheet").first.click()
    expect(page.locator("#day-taken")).to_have_text("$560.00")
    # Dana's takings (her tip's $15 on the card, Lee's $45 in cash) and her tip.
    expect(page.get_by_role("row", name="Dana Reyes $60.00")).to_be_visible()
    expect(page.get_by_role("row", name="Dana Reyes $15.00")).to_be_visible()
