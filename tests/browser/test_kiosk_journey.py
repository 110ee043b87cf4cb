"""Front desk hands the tablet to Maria for her check-in; the tablet stays on
client pages until the front desk's password unlocks it."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from clients.models import CheckIn
from tests.factories import PASSWORD, AppointmentFactory, ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_check_in_on_the_tablet_ends_on_a_client_page(phone_page, front_desk, location):
    maria = ClientFactory(first_name="Maria", last_name="Gonzalez", date_of_birth=date(1980, 3, 12))
    appointment = AppointmentFactory(client=maria, location=location)
    # A tablet, held upright; the fixture fails the journey on any browser error.
    page = phone_page

    _sign_in(page, front_desk.username)
    page.goto(f"/appointments/{appointment.pk}/")
    page.get_by_role("button", name="Check in on this tablet").click()

    expect(page.get_by_role("heading", name="Hello Maria")).to_be_visible()
    assert page.get_by_role("button", name="Sign out").count() == 0
    # Keyboard only: choose the ratings and submit.
    for name in ("pain_now", "stress_rating", "sleep_quality"):
        page.locator(f'input[name="{name}"][value="4"]').focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Check in").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Thanks, take a seat")).to_be_visible()
    body = page.locator("body").inner_text()
    for staff_only in ("Gonzalez", "1980", "Edit details", "Archive", "Sign out", "Calendar"):
        assert staff_only not in body, staff_only
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert CheckIn.objects.filter(appointment=appointment).exists()

    # Whatever staff page is typed in, the tablet answers with the kiosk.
    page.goto(f"/clients/{maria.pk}/")
    expect(page.get_by_role("heading", name="Thanks, take a seat")).to_be_visible()
    assert "1980" not in page.locator("body").inner_text()

    page.get_by_role("link", name="Staff: unlock this tablet").click()
    page.get_by_label("Staff password").fill("a wrong password")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("not the password")).to_be_visible()
    page.get_by_label("Staff password").fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()

    expect(page.get_by_text("Kiosk mode ended. Welcome back.")).to_be_visible()
    expect(page).to_have_url(re.compile(f"/appointments/{appointment.pk}/$"))
    expect(page.get_by_text(re.compile("Pre-session check-in done"))).to_be_visible()
    assert page.console_watch.problems == []
