"""A client signs in to the portal on a phone and cancels an appointment."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from practice.models import Appointment
from tests.factories import AppointmentFactory, ClientFactory
from tests.portal.conftest import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_client_signs_in_with_a_code_and_cancels_on_a_phone(
    phone_page, therapist, location, portal_code_tasks
):
    appointment = AppointmentFactory(
        client=ClientFactory(first_name="Maria", email="maria@mail.test"),
        therapist=therapist,
        location=location,
        starts_at=timezone.now() + timedelta(days=3),
    )
    page = phone_page
    page.goto("/my/")
    page.get_by_label("Your email or mobile number").fill("maria@mail.test")
    page.get_by_role("button", name="Send me a code").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    # The live server runs in this process, and so does the code task
    # (portal_code_tasks): its locmem outbox is ours.
    page.get_by_label("Six-digit code").fill(last_code(mail.outbox))
    page.get_by_label("Six-digit code").press("Enter")
    expect(page.get_by_role("heading", name="Hello Maria")).to_be_visible()
    expect(page.get_by_text("Dana Reyes").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name="Cancel this appointment").click()
    expect(page.get_by_role("heading", name="Cancel your appointment?")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED  # the page only asked
    page.get_by_role("button", name="Yes, cancel the appointment").click()
    expect(page.get_by_text("is cancelled")).to_be_visible()
    expect(page.locator("article .badge", has_text="Cancelled")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Send me a code")).to_be_visible()
    assert page.console_watch.problems == []
