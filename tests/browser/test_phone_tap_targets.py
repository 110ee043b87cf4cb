"""On a 375 px phone the intake's rating buttons are thumb-sized and nothing overflows."""

import pytest

from clients import services
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_rating_button_is_at_least_44_px_on_a_phone(phone_page, therapist):
    maria = ClientFactory(first_name="Maria", primary_therapist=therapist)
    _, raw = services.intake_link_create(client=maria)
    phone_page.goto(f"/clients/intake/{raw}/")
    labels = phone_page.locator(".rating-scale label")
    assert labels.count() >= 11 * 7
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (index, box)
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
