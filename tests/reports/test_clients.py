"""New and returning clients, rebooking within 6 weeks, retention over 90 days."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Appointment
from reports import statistics
from tests.reports.conftest import MARCH, at, page_rows, read_csv

URL = reverse("reports:clients")
S = Appointment.Status


def _percents(k, n):
    low, high = statistics.wilson_interval(k, n)
    return [round(100 * k / n, 1), round(100 * low, 1), round(100 * high, 1)]


@pytest.fixture
def march(therapist, other_therapist, book):
    """Dana sees 12 clients in March, Sam 2 (too few to show).

    c1-c4 had visited in January (returning); c5-c10 come back 30 days later (in April)
    (rebooked and retained); c11 comes back after 8 weeks (retained, not
    rebooked); c12 books again 10 days later and cancels (neither).
    """
    for i in range(12):
        visit = book(therapist, when=at(2 + i, 9))
        client = visit.client
        if i < 4:
            book(therapist, client=client, when=visit.starts_at - timedelta(days=50))
        elif i < 10:
            book(therapist, client=client, when=visit.starts_at + timedelta(days=30))
        elif i == 10:
            book(other_therapist, client=client, when=visit.starts_at + timedelta(weeks=8))
        else:
            book(
                therapist,
                client=client,
                when=visit.starts_at + timedelta(days=10),
                status=S.CANCELLED,
            )
    # A no-show is not a visit: this client is not "seen" at all.
    book(therapist, when=at(20, 9), status=S.NO_SHOW)
    for day in (20, 21):
        book(other_therapist, when=at(day, 14))


def _tables(response):
    return {table.slug: table for table in response.context["tables"]}


@pytest.mark.django_db
def test_new_and_returning_clients_overall_and_per_therapist(client_as, march):
    table = _tables(client_as("owner").get(URL, MARCH))["clients-new"]
    assert [row["cells"] for row in table.rows] == [
        ["All therapists", 14, 10, 4, *_percents(10, 14)],
        ["Dana Reyes", 12, 8, 4, *_percents(8, 12)],
        ["Sam Okafor"],
    ]
    assert table.rows[2]["hidden"]


@pytest.mark.django_db
def test_rebooking_counts_a_next_appointment_within_six_weeks_not_cancelled(client_as, march):
    table = _tables(client_as("owner").get(URL, MARCH))["clients-rebooking"]
    dana = next(row["cells"] for row in table.rows if row["cells"][0] == "Dana Reyes")
    assert dana == ["Dana Reyes", 12, 12, 6, *_percents(6, 12)]


@pytest.mark.django_db
def test_retention_counts_clients_seen_again_by_anyone_within_90_days(client_as, march):
    table = _tables(client_as("owner").get(URL, MARCH))["clients-retention"]
    dana = next(row["cells"] for row in table.rows if row["cells"][0] == "Dana Reyes")
    # c5-c10 and c11 (seen by Sam): 7 of 12.
    assert dana == ["Dana Reyes", 12, 7, *_percents(7, 12)]
    overall = table.rows[0]["cells"]
    assert overall[:3] == ["All therapists", 14, 7]


@pytest.mark.django_db
def test_visits_whose_window_is_still_open_are_left_out(client_as, therapist, book):
    for i in range(12):
        book(therapist, when=timezone.now() - timedelta(days=10, hours=2 * i))
    recent = {
        "period": "custom",
        "first": (timezone.now() - timedelta(days=20)).date().isoformat(),
        "last": timezone.now().date().isoformat(),
    }
    response = client_as("owner").get(URL, recent)
    tables = _tables(response)
    assert tables["clients-new"].rows[0]["cells"][:3] == ["All therapists", 12, 12]
    assert tables["clients-rebooking"].rows == []
    assert tables["clients-retention"].rows == []
    assert "Choose an earlier period" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["clients-new", "clients-rebooking", "clients-retention"])
def test_csv_matches_the_page(client_as, march, slug):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    assert read_csv(http.get(URL, {**MARCH, "format": "csv", "table": slug})) == page_rows(
        page, slug
    )


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_clients(client_as, march):
    response = client_as("therapist").get(URL, MARCH)
    table = _tables(response)["clients-new"]
    assert [row["cells"][:3] for row in table.rows] == [
        ["All therapists", 12, 8],
        ["Dana Reyes", 12, 8],
    ]
    assert "Sam Okafor" not in response.text


@pytest.mark.django_db
def test_the_chart_shows_the_visible_therapists_counts(client_as, march):
    chart = client_as("owner").get(URL, MARCH).context["chart"]
    assert chart["labels"] == ["Dana Reyes"]
    assert chart["series"] == [
        {"label": "New", "values": [8]},
        {"label": "Returning", "values": [4]},
    ]


@pytest.mark.django_db
def test_front_desk_gets_404(client_as, march):
    assert client_as("front_desk").get(URL, MARCH).status_code == 404


@pytest.mark.django_db
def test_two_therapists_with_the_same_name_each_get_their_row(client_as, book):
    from tests import factories

    twins = [factories.TherapistFactory(display_name="Kim Lee") for _ in range(2)]
    # Different figures, so sorting by name alone cannot fall back on them.
    for i, therapist in enumerate(twins):
        for day in range(10 + i):
            book(therapist, when=at(2 + day, 9 + 2 * i))
    response = client_as("owner").get(URL, MARCH)
    assert response.status_code == 200
    table = _tables(response)["clients-new"]
    assert sorted(row["cells"][:2] for row in table.rows[1:]) == [["Kim Lee", 10], ["Kim Lee", 11]]
