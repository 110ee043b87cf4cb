"""What the front desk sees: checkout, payments, the receipt and the day sheet."""

import pytest
from django.urls import reverse

from billing import receipts, services
from billing.models import Invoice, Payment
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def test_checkout_from_the_appointment_page_to_a_settled_invoice(client_as, session):
    http = client_as("front_desk")
    page = http.get(reverse("practice:appointment_detail", args=[session.pk])).content.decode()
    checkout = reverse("billing:checkout", args=[session.pk])
    assert checkout in page
    # A GET only offers the checkout; nothing is written.
    assert "Start checkout" in http.get(checkout).content.decode()
    assert not Invoice.objects.exists()

    invoice_url = http.post(checkout)["Location"]
    invoice = Invoice.objects.get()
    http.post(
        reverse("billing:line_add", args=[invoice.pk]),
        {"kind": "tip", "description": "Tip", "quantity": "1", "unit_price": "15"},
    )
    http.post(reverse("billing:issue", args=[invoice.pk]))
    page = http.get(invoice_url).content.decode()
    assert "Invoice 1" in page
    assert "$110.00" in page
    http.post(
        reverse("billing:payment_add", args=[invoice.pk]),
        {"method": "card_terminal", "amount": "60", "reference": "slip 0042"},
    )
    http.post(reverse("billing:payment_add", args=[invoice.pk]), {"method": "cash", "amount": "50"})
    page = http.get(invoice_url).content.decode()
    assert 'id="balance-due">$0.00' in page
    assert Payment.objects.count() == 2


def test_a_bad_payment_keeps_what_was_typed_and_says_why(client_as, issued):
    response = client_as("front_desk").post(
        reverse("billing:payment_add", args=[issued.pk]),
        {"method": "cash", "amount": "500", "reference": "desk 2"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Only $95.00 is due" in page
    assert 'value="desk 2"' in page
    assert not Payment.objects.exists()


def test_a_card_number_is_never_taken_as_a_reference(client_as, issued):
    response = client_as("front_desk").post(
        reverse("billing:payment_add", args=[issued.pk]),
        {"method": "card_terminal", "amount": "95", "reference": "4111 1111 1111 1111"},
    )
    assert "looks like a card number" in response.content.decode()
    assert not Payment.objects.exists()


def test_the_receipt_is_a_pdf_with_what_an_insurer_asks_for(client_as, issued, settings):
    settings.RELIEF_TAX_NUMBER = "EIN 12-3456789"
    services.payment_record(invoice=issued, method="insurance", amount="95", by=None)
    response = client_as("owner").get(reverse("billing:receipt", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    html = receipts.render_to_string("billing/receipt.html", receipts.receipt_context(issued))
    for expected in ("MA-12345", "LMT", "Dana Reyes", "EIN 12-3456789", "60 min deep tissue"):
        assert expected in html
    assert "Insurance" in html


def test_the_day_sheet_adds_up_and_downloads_as_csv(client_as, issued, front_desk):
    services.payment_record(invoice=issued, method="cash", amount="45", by=front_desk)
    card = services.payment_record(
        invoice=issued, method="card_terminal", amount="50", by=front_desk
    )
    services.refund_record(payment=card, amount="10", reason="Shorter session", by=front_desk)
    http = client_as("front_desk")
    page = http.get(reverse("billing:day_sheet")).content.decode()
    assert 'id="day-taken">$95.00' in page
    assert 'id="day-net">$85.00' in page
    assert "Shorter session" in page
    csv = http.get(reverse("billing:day_sheet"), {"format": "csv"}).content.decode()
    assert "takings by method,Cash,45.00" in csv
    assert "takings by therapist,Dana Reyes,95.00" in csv
    assert "total,net,85.00" in csv
    assert f"open invoices,Invoice {issued.number},10.00" in csv


def test_a_day_without_refunds_shows_none_refunded_without_a_minus(client_as, issued, front_desk):
    services.payment_record(invoice=issued, method="cash", amount="95", by=front_desk)
    http = client_as("front_desk")
    page = http.get(reverse("billing:day_sheet")).content.decode()
    assert '<th scope="row">Refunded</th><td class="text-end">$0.00</td>' in page
    assert "−$0.00" not in page and "-$0.00" not in page
    csv = http.get(reverse("billing:day_sheet"), {"format": "csv"}).content.decode()
    assert "total,refunded,0.00" in csv
    assert "-0.00" not in csv
    takings = client_as("therapist").get(reverse("billing:my_takings")).content.decode()
    assert "−$0.00" not in takings and "-$0.00" not in takings
    assert takings.count('<td class="text-end">$0.00</td>') >= 2


def test_the_client_page_shows_what_is_owed_to_billing_staff_only(client_as, issued):
    url = reverse("clients:detail", args=[issued.client_id])
    assert "$95.00 due" in client_as("front_desk").get(url).content.decode()
    assert "$95.00 due" not in client_as("therapist").get(url).content.decode()


def test_therapists_get_404_on_billing_pages(client_as, issued):
    http = client_as("therapist")
    assert http.get(reverse("billing:invoice", args=[issued.pk])).status_code == 404
    assert http.get(reverse("billing:day_sheet")).status_code == 404
    assert http.get(reverse("billing:receipt", args=[issued.pk])).status_code == 404


def test_money_is_shown_in_the_invoices_currency_for_the_practices_locale(
    client_as, issued, settings
):
    settings.RELIEF_LOCALE = "de_DE"
    settings.RELIEF_CURRENCY = "EUR"
    page = client_as("front_desk").get(reverse("billing:invoice", args=[issued.pk]))
    # Issued in dollars, it stays in dollars, written the German way.
    assert "95,00\xa0$" in page.content.decode()


def test_a_therapist_sees_only_their_own_sessions_totals(
    client_as, issued, session, other_therapist, front_desk
):
    services.invoice_add_line(
        invoice=services.invoice_open_for_appointment(
            appointment=AppointmentFactory(
                therapist=other_therapist,
                service=session.service,
                location=session.location,
                status="completed",
            ),
            by=front_desk,
        ),
        kind="product",
        description="Balm",
        unit_price="10",
        by=front_desk,
    )
    services.payment_record(invoice=issued, method="card_terminal", amount="95", by=front_desk)
    payment = services.payment_record(
        invoice=services.invoice_issue(
            invoice=Invoice.objects.get(appointment__therapist=other_therapist), by=front_desk
        ),
        method="cash",
        amount="40",
        by=front_desk,
    )
    services.refund_record(payment=payment, amount="5", reason="balm leaked", by=front_desk)

    dana = client_as("therapist").get(reverse("billing:my_takings")).content.decode()
    assert 'id="taken-day">$95.00' in dana
    assert 'id="net-day">$95.00' in dana
    assert "Gonzalez" not in dana  # totals only, no client names
    other = client_as("other_therapist").get(reverse("billing:my_takings")).content.decode()
    assert 'id="taken-day">$40.00' in other
    assert 'id="net-day">$35.00' in other


def test_a_refused_line_keeps_what_was_typed_and_marks_the_field(client_as, session, front_desk):
    draft = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    response = client_as("front_desk").post(
        reverse("billing:line_add", args=[draft.pk]),
        {"kind": "product", "description": "Arnica oil", "quantity": "2", "unit_price": "lots"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="Arnica oil"' in page
    assert 'value="lots"' in page
    # The error is tied to its input for screen readers, and shown as invalid.
    assert 'aria-describedby="id_unit_price_error"' in page
    assert 'id="id_unit_price_error"' in page
    assert "is-invalid" in page
    assert draft.lines.count() == 1


def test_the_invoice_page_offers_only_the_forms_its_state_allows(client_as, session, front_desk):
    http = client_as("front_desk")
    draft = services.invoice_open_for_appointment(appointment=session, by=front_desk)
    url = reverse("billing:invoice", args=[draft.pk])
    page = http.get(url).content.decode()
    assert "Add line" in page and "Record payment" not in page and "Void this" not in page

    services.invoice_issue(invoice=draft, by=front_desk)
    page = http.get(url).content.decode()
    assert "Add line" not in page
    assert "Record payment" in page and "Use gift card" in page and "Void this" in page
    assert 'name="amount" value="95.00"' in page

    services.payment_record(invoice=draft, method="cash", amount="95", by=front_desk)
    page = http.get(url).content.decode()
    assert "Record payment" not in page and "Use gift card" not in page
    assert "Void this invoice" in page
