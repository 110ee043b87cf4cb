"""A client fills the intake on a phone; then their therapist reads it."""

import pytest

from clients import services
from tests.factories import PASSWORD, ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _choose(page, field, value):
    page.locator(f'label[for="id_{field}_{value}"]').click()


def test_client_fills_intake_on_a_phone_and_dana_sees_it(phone_page, page, therapist):
    maria = ClientFactory(
        first_name="Maria", last_name="Gonzalez", email="", primary_therapist=therapist
    )
    _, raw = services.intake_link_create(client=maria)
    phone = phone_page
    errors = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    phone.goto(f"/clients/intake/{raw}/")
    assert phone.get_by_role("heading", name="Hello Maria").is_visible()

    # Mark two painful regions by tapping the SVG body map.
    pain_map = phone.locator("#field-pain_regions")
    pain_map.locator('[data-region="low_back"]').click()
    pain_map.locator('[data-region="knee_left"]').click()
    assert pain_map.locator('[data-region="low_back"]').get_attribute("aria-pressed") == "true"
    assert pain_map.locator('input[value="low_back"]').is_checked()
    assert pain_map.locator('input[value="knee_left"]').is_checked()
    # Tapping again unmarks; the keyboard works too.
    pain_map.locator('[data-region="knee_left"]').click()
    assert not pain_map.locator('input[value="knee_left"]').is_checked()
    pain_map.locator('[data-region="neck_back"]').focus()
    phone.keyboard.press("Enter")
    assert pain_map.locator('input[value="neck_back"]').is_checked()
    pain_map.locator('[data-region="shin_right"]').focus()
    phone.keyboard.press("Space")
    assert pain_map.locator('input[value="shin_right"]').is_checked()
    phone.keyboard.press("Space")
    assert not pain_map.locator('input[value="shin_right"]').is_checked()
    # The list is the same state: ticking a box marks the map.
    pain_map.get_by_text("Choose from a list instead").click()
    pain_map.get_by_role("checkbox", name="Left calf").check()
    assert pain_map.locator('[data-region="calf_left"]').get_attribute("aria-pressed") == "true"
    pain_map.get_by_role("checkbox", name="Left calf").uncheck()
    assert "Low back" in pain_map.locator("[data-body-map-summary]").inner_text()

    phone.get_by_label("Date of birth").fill("1978-04-12")
    phone.get_by_label("Emergency contact: name").fill("Rosa Gonzalez")
    phone.get_by_label("Emergency contact: phone").fill("202-555-0199")
    phone.get_by_label("What brings you in?").fill("Low back pain for two years")
    for field, value in (
        ("pain_now", 6),
        ("pain_average", 5),
        ("pain_worst", 9),
        ("peg_enjoyment", 7),
        ("peg_activity", 6),
        ("stress_rating", 8),
        # sleep_quality left out on purpose
    ):
        _choose(phone, field, value)
    phone.get_by_label("I take blood thinners (anticoagulants)").check()
    phone.get_by_label("I have read and agree to the consent above").check()
    phone.get_by_label("Type your full name as your signature").fill("Maria Gonzalez")
    phone.get_by_role("button", name="Send my answers").click()

    # The error points at the field in plain words; everything typed is kept.
    alert = phone.get_by_role("alert")
    assert "Please check one answer" in alert.inner_text()
    assert "Sleep quality rating" in alert.inner_text()
    pain_map = phone.locator("#field-pain_regions")
    assert pain_map.locator('[data-region="low_back"]').get_attribute("aria-pressed") == "true"
    assert pain_map.locator('input[value="neck_back"]').is_checked()
    assert not pain_map.locator('input[value="knee_left"]').is_checked()
    assert phone.get_by_label("What brings you in?").input_value() == "Low back pain for two years"
    assert phone.locator("#id_pain_worst_9").is_checked()
    assert phone.get_by_label("I take blood thinners (anticoagulants)").is_checked()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    _choose(phone, "sleep_quality", 3)
    phone.get_by_role("button", name="Send my answers").click()
    assert phone.get_by_role("heading", name="Thank you, your form is sent").is_visible()
    assert errors == []

    # Dana signs in and sees the intake on Maria's page.
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(therapist.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/clients/{maria.pk}/")
    assert page.get_by_role("heading", name="Review before treating").is_visible()
    assert page.get_by_text("Takes blood thinners").is_visible()
    assert page.get_by_text("Low back pain for two years").is_visible()
    assert page.get_by_text("Back of neck").is_visible()
    assert page.get_by_role("heading", name="Scores over time").is_visible()
    assert page.console_watch.problems == []


def test_front_desk_finds_a_client_as_they_type(page, front_desk):
    ClientFactory(first_name="Maria", last_name="Gonzalez")
    ClientFactory(first_name="Mario", last_name="Rossi")
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Clients").click()
    results = page.locator("#client-results")
    assert results.get_by_text("Rossi, Mario").is_visible()
    page.get_by_label("Search by name, phone or email").press_sequentially("gonz", delay=30)
    results.get_by_text("Rossi, Mario").wait_for(state="detached")
    assert results.get_by_role("link", name="Gonzalez, Maria").is_visible()
    assert "q=gonz" in page.url
    assert page.console_watch.problems == []
