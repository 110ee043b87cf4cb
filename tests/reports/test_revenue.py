"""Revenue: payments less refunds in the period, by therapist, service and method."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Payment
from tests import factories
from tests.reports.conftest import MARCH, NY, at, page_rows, read_csv

URL = reverse("reports:revenue")


@pytest.fixture
def takings(therapist, other_therapist, book, pay, refund):
    massage = factories.ServiceFactory(name="Relaxation 30")
    # 23:30 on 31 March in New York is already April in UTC: it counts for March.
    pay(book(therapist), "100.00", when=at(31, 23, 30))
    cash = pay(book(therapist, service=massage), "40.00", when=at(3, 12), method="cash")
    refund(cash, "15.00", when=at(20, 9))
    pay(book(other_therapist), "80.00", when=at(4, 12), method="cash")
    # Outside March on the New York clock: 00:30 on 1 April, and 23:30 on 28 February.
    pay(book(therapist), "999.00", when=datetime(2026, 4, 1, 0, 30, tzinfo=NY))
    pay(book(therapist), "555.00", when=datetime(2026, 2, 28, 23, 30, tzinfo=NY))


@pytest.mark.django_db
def test_owner_sees_payments_less_refunds_three_ways(client_as, takings):
    response = client_as("owner").get(URL, MARCH)
    data = response.context["data"]
    by_therapist = {row["name"]: row for row in data["by_therapist"]}
    assert by_therapist["Dana Reyes"]["received"] == Decimal("140.00")
    assert by_therapist["Dana Reyes"]["refunded"] == Decimal("15.00")
    assert by_therapist["Dana Reyes"]["net"] == Decimal("125.00")
    assert by_therapist["Sam Okafor"]["net"] == Decimal("80.00")
    by_method = {row["name"]: row["net"] for row in data["by_method"]}
    assert by_method == {"Card (terminal)": Decimal("100.00"), "Cash": Decimal("105.00")}
    by_service = {row["name"]: row["net"] for row in data["by_service"]}
    assert by_service == {"Deep tissue 60": Decimal("180.00"), "Relaxation 30": Decimal("25.00")}
    assert data["net"] == Decimal("205.00")


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["revenue-therapist", "revenue-service", "revenue-method"])
def test_each_csv_says_what_the_page_says(client_as, takings, slug):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    download = http.get(URL, {**MARCH, "format": "csv", "table": slug})
    assert read_csv(download) == page_rows(page, slug)
    assert len(read_csv(download)) > 1
    assert f"last=2026-03-31&amp;format=csv&amp;table={slug}" in page.text


@pytest.mark.django_db
def test_an_unknown_csv_table_is_404(client_as, takings):
    assert client_as("owner").get(URL, {**MARCH, "format": "csv", "table": "x"}).status_code == 404


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_revenue_whatever_they_ask_for(
    client_as, takings, other_therapist
):
    response = client_as("therapist").get(URL, {**MARCH, "therapist": other_therapist.pk})
    names = [row["name"] for row in response.context["data"]["by_therapist"]]
    assert names == ["Dana Reyes"]
    assert "Sam Okafor" not in response.text
    assert response.context["data"]["net"] == Decimal("125.00")
    assert 'name="therapist"' not in response.text


@pytest.mark.django_db
def test_front_desk_gets_404(client_as, takings):
    assert client_as("front_desk").get(URL, MARCH).status_code == 404


@pytest.mark.django_db
def test_the_chart_gets_the_table_figures_through_json_script(client_as, takings):
    response = client_as("owner").get(URL, MARCH)
    chart = response.context["chart"]
    assert chart["labels"] == ["Dana Reyes", "Sam Okafor"]
    assert chart["values"] == ["125.00", "80.00"]
    assert 'id="revenue-chart-data" type="application/json"' in response.text
    assert "style=" not in response.text.split("<main", 1)[-1]


@pytest.mark.django_db
def test_an_empty_period_says_what_to_do(client_as, db):
    response = client_as("owner").get(URL, MARCH)
    assert "Take payments at checkout" in response.text
    assert response.context["chart"] is None
    assert Payment.objects.count() == 0
