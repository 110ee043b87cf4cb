"""Late-cancel and no-show fees become draft charges that staff issue or waive."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from billing import money, services
from billing.models import Invoice
from practice import services as practice_services
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("policy", "price", "fee"),
    [("50%", "95.00", "47.50"), ("40", "95.00", "40.00"), ("", "95.00", None), ("0%", "95", None)],
)
def test_a_fee_policy_is_a_share_of_the_price_or_a_fixed_amount(policy, price, fee):
    assert money.fee_amount(policy, Decimal(price)) == (Decimal(fee) if fee else None)


@pytest.fixture
def tomorrow(therapist, location, session):
    # Starting within the late-cancel window (24 hours by default).
    return AppointmentFactory(
        therapist=therapist,
        service=session.service,
        location=location,
        client=session.client,
        starts_at=timezone.now() + timedelta(hours=5),
    )


def test_a_late_cancel_drafts_the_fee_and_staff_can_waive_it(
    tomorrow, front_desk, settings, client_as
):
    settings.RELIEF_LATE_CANCEL_FEE = "50%"
    cancelled = practice_services.appointment_cancel(
        appointment=tomorrow, by=front_desk, reason="Client ill"
    )
    assert cancelled.late_cancel
    invoice = Invoice.objects.get(appointment=tomorrow)
    line = invoice.lines.get()
    assert (invoice.status, line.kind, line.net) == ("draft", "fee", Decimal("47.50"))
    page = client_as("front_desk").get(reverse("practice:appointment_detail", args=[tomorrow.pk]))
    assert "Charge or waive the fee" in page.content.decode()

    with pytest.raises(ValidationError):
        services.fee_waive(invoice=invoice, reason="", by=front_desk)
    waived = services.fee_waive(invoice=invoice, reason="First time, ill", by=front_desk)
    assert (waived.status, waived.number, waived.void_reason) == ("waived", None, "First time, ill")


def test_a_cancel_outside_the_window_or_without_a_policy_charges_nothing(
    tomorrow, front_desk, settings
):
    settings.RELIEF_LATE_CANCEL_FEE = ""
    practice_services.appointment_cancel(appointment=tomorrow, by=front_desk, reason="Ill")
    assert not Invoice.objects.exists()


def test_a_no_show_fee_is_issued_and_paid_like_any_invoice(session, front_desk, settings):
    settings.RELIEF_NO_SHOW_FEE = "40.00"
    session.status = "booked"
    session.starts_at = timezone.now() - timedelta(hours=2)
    session.ends_at = session.starts_at + session.service.duration
    session.occupied_until = session.ends_at
    session.save()
    practice_services.appointment_mark_no_show(appointment=session, by=front_desk)
    invoice = Invoice.objects.get(appointment=session)
    issued = services.invoice_issue(invoice=invoice, by=front_desk)
    assert issued.total == Decimal("40.00")
    services.payment_record(invoice=issued, method="card_terminal", amount="40", by=front_desk)
    with pytest.raises(ValidationError):
        services.fee_waive(invoice=issued, reason="too late", by=front_desk)
