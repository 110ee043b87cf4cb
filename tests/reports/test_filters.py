"""The period picker and filters every report shares."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from tests import factories
from tests.reports.conftest import MARCH

URL = reverse("reports:revenue")
PAGES = ["reports:revenue", "reports:utilisation", "reports:attendance", "reports:outcomes"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_every_report_has_the_picker_and_filters_each_labelled(client_as, name):
    text = client_as("owner").get(reverse(name)).text
    for field in ("period", "first", "last", "location", "therapist"):
        assert f'<label class="form-label small mb-0" for="id_{field}">' in text
    assert "This quarter" in text and "Custom dates" in text


@pytest.mark.django_db
def test_a_backwards_custom_range_says_so_and_shows_this_month(client_as):
    response = client_as("owner").get(
        URL, {"period": "custom", "first": "2026-03-31", "last": "2026-03-01"}
    )
    assert "The last day comes before the first." in response.text
    assert response.context["filters"].period.first.day == 1
    assert response.context["filters"].period.days >= 28


@pytest.mark.django_db
def test_a_location_reads_its_days_on_its_own_clock(client_as, therapist, book, pay):
    tokyo = factories.LocationFactory(name="Relief Tokyo", time_zone="Asia/Tokyo")
    visit = book(
        therapist, location=tokyo, when=datetime(2026, 3, 31, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    )
    # 08:00 on 1 April in Tokyo is still 31 March in New York: April on Tokyo's clock.
    pay(visit, "50.00", when=datetime(2026, 4, 1, 8, tzinfo=ZoneInfo("Asia/Tokyo")))
    http = client_as("owner")
    assert http.get(URL, MARCH).context["data"]["net"] == Decimal("50.00")
    in_tokyo = http.get(URL, {**MARCH, "location": tokyo.pk})
    assert in_tokyo.context["filters"].tz.key == "Asia/Tokyo"
    assert in_tokyo.context["data"]["net"] == Decimal("0.00")
    assert "Asia/Tokyo clock" in in_tokyo.text


@pytest.mark.django_db
def test_the_menu_offers_reports_to_owner_and_therapists_only(client_as):
    link = f'href="{reverse("reports:index")}"'
    assert link in client_as("owner").get(reverse("practice:home")).text
    assert link in client_as("therapist").get(reverse("practice:home")).text
    assert link not in client_as("front_desk").get(reverse("practice:home")).text


@pytest.mark.django_db
def test_a_therapist_role_without_a_therapist_profile_gets_404(client, db):
    from practice.security.access import Role

    client.force_login(factories.UserFactory(username="nobody", role=Role.THERAPIST))
    assert client.get(URL).status_code == 404
