import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/")
    # Anonymous visitors are sent to the sign-in page.
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _open_account_menu(page):
    # The last dropdown of the bar: the signed-in person's name and roles.
    page.get_by_role("navigation", name="Main").locator(".dropdown-toggle").last.click()


def test_front_desk_signs_in_sees_today_and_signs_out(page, front_desk, location):
    _sign_in(page, front_desk.username)
    assert page.get_by_role("heading", name="Today at Relief Downtown").is_visible()
    assert page.get_by_text("No appointments today.").is_visible()
    _open_account_menu(page)
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", name="You are signed out").is_visible()
    page.goto("/")
    assert "/accounts/login/" in page.url
    assert page.console_watch.problems == []


def test_sign_in_works_on_a_phone_with_collapsed_navigation(phone_page, therapist, location):
    _sign_in(phone_page, therapist.user.username)
    assert phone_page.get_by_role("heading", name="Your day").is_visible()
    toggle = phone_page.get_by_role("button", name="Toggle navigation")
    assert toggle.is_visible()
    toggle.click()
    # The bar unfolds with an animation: the menu is clicked, and the button
    # looked for, once it is open (an immediate check lost the race in CI).
    expect(phone_page.locator("#main-nav.show")).to_be_visible()
    _open_account_menu(phone_page)
    expect(phone_page.get_by_role("button", name="Sign out")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375


@pytest.mark.parametrize(
    ("persona_name", "heading", "sees", "does_not_see"),
    [
        ("owner", "Today at Relief Downtown", ["Setup", "Staff", "Audit log"], []),
        ("front_desk", "Today at Relief Downtown", ["Calendar", "Book", "Clients"], ["Setup"]),
        ("therapist", "Your day", ["Calendar", "Clients", "Charting"], ["Setup", "Staff"]),
    ],
)
def test_each_role_lands_on_its_dashboard_with_its_menu(
    page, persona, location, persona_name, heading, sees, does_not_see
):
    _sign_in(page, persona(persona_name).username)
    assert page.get_by_role("heading", name=heading).is_visible()
    menu = page.get_by_role("navigation", name="Main")
    manage = menu.get_by_role("button", name="Manage")
    if manage.count():
        manage.click()  # the owner's pages share one dropdown
    for label in sees:
        assert menu.get_by_role("link", name=label, exact=True).is_visible(), label
    for label in does_not_see:
        assert menu.get_by_role("link", name=label, exact=True).count() == 0, label
    assert page.console_watch.problems == []
