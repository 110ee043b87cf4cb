"""No-show and late-cancel rates per therapist and per service, with counts and intervals."""

import pytest
from django.urls import reverse

from practice.models import Appointment
from reports import statistics
from tests import factories
from tests.reports.conftest import MARCH, page_rows, read_csv

URL = reverse("reports:attendance")
S = Appointment.Status


def _percents(k, n):
    low, high = statistics.wilson_interval(k, n)
    return [round(100 * k / n, 1), round(100 * low, 1), round(100 * high, 1)]


@pytest.fixture
def diary(therapist, other_therapist, book):
    """Dana: 11 clients due (2 no-shows, 1 late cancellation). Sam: one client (hidden)."""
    short = factories.ServiceFactory(name="Relaxation 30")
    for status in [S.COMPLETED] * 8 + [S.NO_SHOW] * 2:
        book(therapist, status=status)
    book(therapist, status=S.CANCELLED, late_cancel=True, service=short)
    # Cancelled in good time: the slot was freed, so it is not due.
    book(therapist, status=S.CANCELLED, late_cancel=False)
    book(other_therapist, status=S.NO_SHOW, service=short)


@pytest.mark.django_db
def test_rates_with_clients_counts_and_wilson_intervals_small_groups_hidden(client_as, diary):
    response = client_as("owner").get(URL, MARCH)
    by_therapist, by_service = response.context["tables"]
    assert [row["cells"] for row in by_therapist.rows] == [
        ["Dana Reyes", 11, 11, 2, *_percents(2, 11), 1, *_percents(1, 11)],
        ["Sam Okafor"],
    ]
    assert by_therapist.rows[1]["hidden"]
    assert [row["cells"] for row in by_service.rows] == [
        ["Deep tissue 60", 10, 10, 2, *_percents(2, 10), 0, 0.0, 0.0, 27.8],
        ["Relaxation 30"],
    ]
    assert "fewer than 10 clients: hidden" in response.text.lower()


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["attendance-therapist", "attendance-service"])
def test_csv_matches_the_page(client_as, diary, slug):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    rows = read_csv(http.get(URL, {**MARCH, "format": "csv", "table": slug}))
    assert rows == page_rows(page, slug)
    assert rows[-1][1] == statistics.HIDDEN_REASON


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_rates(client_as, diary):
    response = client_as("therapist").get(URL, MARCH)
    by_therapist, by_service = response.context["tables"]
    assert [row["cells"][:3] for row in by_therapist.rows] == [["Dana Reyes", 11, 11]]
    # Dana's one late cancellation of the short service is too few clients to show.
    assert [row["cells"][:3] for row in by_service.rows] == [
        ["Deep tissue 60", 10, 10],
        ["Relaxation 30"],
    ]
    assert "Sam Okafor" not in response.text
