"""A client acts on a reminder from their phone."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from practice.models import Appointment
from practice.reminders import links
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def appointment(therapist, location):
    return AppointmentFactory(
        client=ClientFactory(first_name="Maria"),
        therapist=therapist,
        location=location,
        starts_at=timezone.now() + timedelta(days=3),
    )


def _link(appointment, action):
    token = links.make_token(appointment, action)
    return reverse(f"reminders:{action}", kwargs={f"{action}_token": token})


def test_client_cancels_from_the_link_on_a_phone(phone_page, appointment):
    link = _link(appointment, "cancel")
    phone_page.goto(link)
    assert phone_page.get_by_role("heading", name="Cancel your appointment?").is_visible()
    assert phone_page.get_by_text("Dana Reyes").is_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED  # opening the link did nothing
    phone_page.get_by_role("button", name="Cancel the appointment").click()
    expect(phone_page.get_by_role("heading", name="Your appointment is cancelled")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    phone_page.goto(link)
    assert phone_page.get_by_role("heading", name="This link can no longer be used").is_visible()


def test_client_confirms_by_keyboard(page, appointment):
    page.goto(_link(appointment, "confirm"))
    button = page.get_by_role("button", name="Yes, I'm coming")
    button.focus()
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", name="Thank you, your appointment is confirmed")
    ).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED
    assert page.console_watch.problems == []
