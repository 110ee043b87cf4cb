"""The owner reads the clients report in a real browser and downloads its CSV; the front
desk works the recall list on a phone and books from it."""

import csv
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def practice(therapist, location):
    """Twelve clients seen about four months ago, four of them again a month later."""
    service = factories.ServiceFactory(name="Deep tissue 60")
    first = timezone.now() - timedelta(days=120)
    for i in range(12):
        client = factories.ClientFactory(first_name=f"Client{i:02d}", last_name="Test")
        visits = [first + timedelta(hours=2 * i)]
        if i < 4:
            visits.append(visits[0] + timedelta(days=30))
        for when in visits:
            factories.AppointmentFactory(
                therapist=therapist,
                client=client,
                service=service,
                location=location,
                starts_at=when,
                status="completed",
            )
    return first


def test_owner_opens_the_clients_report_and_the_csv_says_what_the_page_says(
    page, owner, practice, tmp_path
):
    _sign_in(page, owner.username)
    page.get_by_role("link", name="Reports").first.click()
    page.get_by_role("main").get_by_role("link", name="Clients", exact=True).click()
    page.get_by_label("Period").select_option(label="Custom dates")
    page.get_by_label("From").fill((practice - timedelta(days=1)).date().isoformat())
    page.get_by_label("To (included)").fill((practice + timedelta(days=10)).date().isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#clients-chart")).to_be_visible()
    table = page.locator("#table-clients-new")
    expect(table.locator("tbody tr")).to_have_count(2)
    on_page = [
        [cell.inner_text().strip().rstrip("%") for cell in row.locator("th, td").all()]
        for row in table.locator("tbody tr").all()
    ]
    assert on_page[1][:4] == ["Dana Reyes", "12", "12", "0"]
    with page.expect_download() as download:
        page.locator("a[href*='format=csv'][href*='table=clients-new']").click()
    saved = Path(tmp_path) / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("clients-new-")
    rows = list(csv.reader(saved.open(encoding="utf-8")))
    assert rows[0][:4] == ["Therapist", "Clients seen", "New", "Returning"]
    assert rows[1:] == on_page
    retention = page.locator("#table-clients-retention tbody tr").nth(1)
    expect(retention).to_contain_text("Dana Reyes")
    expect(retention.locator("td").nth(1)).to_have_text("4")


def test_front_desk_works_the_recall_list_on_a_phone_and_books_from_it(
    phone_page, front_desk, practice
):
    page = phone_page
    _sign_in(page, front_desk.username)
    page.goto("/reports/recall/")
    expect(page.get_by_role("heading", name="12 clients due")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width} px wide on a 375 px phone"
    row = page.locator("#table-recall tbody tr").first
    expect(row.get_by_role("link", name="+12025550100")).to_have_attribute(
        "href", "tel:+12025550100"
    )
    row.get_by_role("link", name="Book").click()
    expect(page).to_have_url(re.compile(r"/book/\?client=[0-9a-f-]{36}$"))


def _box(locator):
    box = locator.bounding_box()
    assert box is not None, locator
    return box


def test_on_a_phone_each_recall_row_is_a_card_worked_with_the_keyboard(
    phone_page, front_desk, practice, tmp_path
):
    page = phone_page
    _sign_in(page, front_desk.username)
    page.goto("/reports/recall/")
    expect(page.get_by_role("heading", name="12 clients due")).to_be_visible()
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    # The column heads are for screen readers only; each card names its values.
    assert _box(page.locator("#table-recall thead"))["height"] <= 1
    card = page.locator("#table-recall tbody tr").first
    name, phone = card.locator("th"), card.locator("td.recall-phone")
    assert _box(card)["width"] <= 375
    assert _box(phone)["y"] >= _box(name)["y"] + _box(name)["height"]
    label = "el => getComputedStyle(el, '::before').content"
    assert phone.evaluate(label) == '"Phone"'
    assert card.locator("td[data-label='Last seen by']").evaluate(label) == '"Last seen by"'
    expect(card.locator("td[data-label='Last seen by']")).to_have_text("Dana Reyes")
    for target in (
        phone.get_by_role("link"),
        card.get_by_role("button", name="Contacted"),
        card.get_by_role("link", name="Book"),
    ):
        assert _box(target)["height"] >= 44, target
    # To look at: pytest keeps it under its basetemp (pytest-of-<user>/pytest-N/).
    page.screenshot(path=str(tmp_path / "recall-phone.png"), full_page=True)

    # The keyboard's path through a card: name, number, note, mark, book.
    who = name.get_by_role("link").inner_text().strip()
    name.get_by_role("link").focus()
    page.keyboard.press("Tab")
    expect(phone.get_by_role("link")).to_be_focused()
    page.keyboard.press("Tab")
    expect(card.get_by_role("textbox")).to_be_focused()
    page.keyboard.type("left voicemail")
    page.keyboard.press("Tab")
    expect(card.get_by_role("button", name="Contacted")).to_be_focused()
    page.keyboard.press("Tab")
    expect(card.get_by_role("link", name="Book")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{who} marked as contacted.")).to_be_visible()
    # Contacted clients sink to the end of the list: the last card is theirs.
    marked = page.locator("#table-recall tbody tr").last
    expect(marked.locator("th")).to_contain_text(who)
    expect(marked.locator("td.recall-contact")).to_contain_text("left voicemail")
