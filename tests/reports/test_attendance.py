"""No-show and late-cancel rates per therapist and per service, with their counts."""

import pytest
from django.urls import reverse

from practice.models import Appointment
from tests import factories
from tests.reports.conftest import MARCH, page_rows, read_csv

URL = reverse("reports:attendance")
S = Appointment.Status


@pytest.fixture
def diary(therapist, other_therapist, book):
    short = factories.ServiceFactory(name="Relaxation 30")
    for status in (S.COMPLETED, S.COMPLETED, S.NO_SHOW):
        book(therapist, status=status)
    book(therapist, status=S.CANCELLED, late_cancel=True, service=short)
    # Cancelled in good time: the slot was freed, so it is not due.
    book(therapist, status=S.CANCELLED, late_cancel=False)
    book(other_therapist, status=S.NO_SHOW, service=short)


@pytest.mark.django_db
def test_rates_per_therapist_and_service_with_the_counts_behind_them(client_as, diary):
    by_therapist, by_service = client_as("owner").get(URL, MARCH).context["tables"]
    assert [row["cells"] for row in by_therapist.rows] == [
        ["Dana Reyes", 4, 1, 25.0, 1, 25.0],
        ["Sam Okafor", 1, 1, 100.0, 0, 0.0],
    ]
    assert [row["cells"] for row in by_service.rows] == [
        ["Deep tissue 60", 3, 1, 33.3, 0, 0.0],
        ["Relaxation 30", 2, 1, 50.0, 1, 50.0],
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["attendance-therapist", "attendance-service"])
def test_csv_matches_the_page(client_as, diary, slug):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    assert read_csv(http.get(URL, {**MARCH, "format": "csv", "table": slug})) == page_rows(
        page, slug
    )


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_rates(client_as, diary):
    response = client_as("therapist").get(URL, MARCH)
    by_therapist, by_service = response.context["tables"]
    assert [row["cells"][0] for row in by_therapist.rows] == ["Dana Reyes"]
    assert [row["cells"][1] for row in by_service.rows] == [3, 1]
    assert "Sam Okafor" not in response.text
