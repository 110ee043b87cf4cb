"""On a 375 px phone the intake's rating buttons and body map are thumb-sized;
nothing overflows."""

import pytest

from clients import services
from clients.body_regions import BODY_REGIONS
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Which body-map region takes a tap at the middle of a region's box and 20 px
# to each side of it (the box alone would not show a neighbour drawn over it).
TAKEN_BY = """([x, y]) => [[0, 0], [-20, 0], [20, 0], [0, -20], [0, 20]].map(([dx, dy]) => {
  const hit = document.elementFromPoint(x + dx, y + dy);
  const region = hit && hit.closest("[data-region]");
  return region ? region.dataset.region : null;
})"""


def _open_intake(phone_page, therapist):
    maria = ClientFactory(first_name="Maria", primary_therapist=therapist)
    _, raw = services.intake_link_create(client=maria)
    phone_page.goto(f"/clients/intake/{raw}/")


def _no_horizontal_overflow(page):
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_every_rating_button_is_at_least_44_px_on_a_phone(phone_page, therapist):
    _open_intake(phone_page, therapist)
    labels = phone_page.locator(".rating-scale label")
    assert labels.count() >= 11 * 7
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (index, box)
    _no_horizontal_overflow(phone_page)


def test_every_body_map_region_is_a_44_px_target_that_toggles_its_box(phone_page, therapist):
    _open_intake(phone_page, therapist)
    pain_map = phone_page.locator("#field-pain_regions")
    assert pain_map.locator("[data-region]").count() == len(BODY_REGIONS)
    for code, label in BODY_REGIONS.items():
        # Found by its accessible name: what a screen reader announces.
        region = pain_map.get_by_role("button", name=label, exact=True)
        region.scroll_into_view_if_needed()
        box = region.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (code, box)
        middle = [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2]
        assert phone_page.evaluate(TAKEN_BY, middle) == [code] * 5, code

        checkbox = pain_map.locator(f'input[value="{code}"]')
        region.click()
        assert checkbox.is_checked(), code
        assert region.get_attribute("aria-pressed") == "true"
        region.click()
        assert not checkbox.is_checked(), code
    _no_horizontal_overflow(phone_page)

    # The new regions work from the keyboard like the old ones.
    pain_map.locator('[data-region="hand_left"]').focus()
    phone_page.keyboard.press("Enter")
    assert pain_map.locator('input[value="hand_left"]').is_checked()
    phone_page.keyboard.press("Tab")
    phone_page.keyboard.press("Space")
    assert pain_map.locator('input[value="hip_front_right"]').is_checked()
    summary = pain_map.locator("[data-body-map-summary]").inner_text()
    assert "Left hand" in summary and "Right hip and groin" in summary
