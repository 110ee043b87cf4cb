"""Pain outcomes: meaningful improvement (Farrar) and the change across a session."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.models import Client, Score
from reports import statistics
from sessions.models import TreatmentPlan
from tests import factories
from tests.reports.conftest import MARCH, NY, page_rows, read_csv

URL = reverse("reports:outcomes")


@pytest.mark.django_db
def test_share_improved_by_therapist_with_wilson_interval_and_small_groups_hidden(
    client_as, cohort
):
    response = client_as("owner").get(URL, MARCH)
    tables = {t.slug: t for t in response.context["tables"]}
    low, high = statistics.wilson_interval(7, 10)
    dana, sam = tables["improvement-therapist"].rows
    # Not meaningful: (4, 3) is one point and 25%; (3, 2) one point; (2, 4) a rise.
    assert dana == {
        "cells": ["Dana Reyes", 10, 7, 70.0, round(100 * low, 1), round(100 * high, 1)],
        "hidden": False,
    }
    assert sam == {"cells": ["Sam Okafor"], "hidden": True}
    assert "fewer than 10 clients: hidden so no one can be singled out" in response.text.lower()
    # 13 clients overall, 10 improved.
    assert tables["improvement-overall"].rows[0]["cells"][:3] == ["All clients", 13, 10]


@pytest.mark.django_db
def test_each_client_counts_for_the_technique_they_received_most(client_as, cohort):
    table = next(
        t
        for t in client_as("owner").get(URL, MARCH).context["tables"]
        if t.slug == "improvement-technique"
    )
    rows = {row["cells"][0]: row for row in table.rows}
    assert rows["Myofascial release"]["cells"][1:3] == [10, 7]
    assert rows["Swedish massage"]["hidden"]
    assert "Trigger point therapy" not in rows


@pytest.mark.django_db
def test_median_session_change_per_technique_from_the_notes_own_scores(client_as, cohort):
    table = next(
        t
        for t in client_as("owner").get(URL, MARCH).context["tables"]
        if t.slug == "session-change"
    )
    rows = {row["cells"][0]: row for row in table.rows}
    # Dana's ten before/after pairs: -3 x5, -1, -2, -1, +2, -2 -> median -2.5.
    changes = [Decimal(-3)] * 5 + [Decimal(v) for v in (-1, -2, -1, 2, -2)]
    assert rows["Myofascial release"]["cells"] == [
        "Myofascial release",
        10,
        10,
        Decimal("-2.5"),
        *statistics.median_interval(changes),
    ]
    # The second visits have no pain scores: trigger point has no pairs at all.
    assert "Trigger point therapy" not in rows
    assert rows["Swedish massage"]["hidden"]


@pytest.mark.django_db
def test_the_page_says_these_are_observations_not_trials(client_as, cohort):
    assert "These are observations, not trials." in client_as("owner").get(URL, MARCH).text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "slug",
    ["improvement-overall", "improvement-therapist", "improvement-technique", "session-change"],
)
def test_csv_matches_the_page_hidden_rows_included(client_as, cohort, slug):
    http = client_as("owner")
    page = http.get(URL, MARCH)
    rows = read_csv(http.get(URL, {**MARCH, "format": "csv", "table": slug}))
    assert rows == page_rows(page, slug)
    if slug != "improvement-overall":
        assert any(statistics.HIDDEN_REASON in row for row in rows)


@pytest.mark.django_db
def test_a_therapist_sees_only_their_clients_outcomes(client_as, cohort):
    response = client_as("other_therapist").get(URL, MARCH)
    tables = {t.slug: t for t in response.context["tables"]}
    assert [row["cells"][0] for row in tables["improvement-therapist"].rows] == ["Sam Okafor"]
    assert "Dana Reyes" not in response.text
    assert "Myofascial release" not in response.text


@pytest.mark.django_db
def test_no_scores_yet_says_what_to_do(client_as, db):
    assert "Record pain after the session in the note" in client_as("owner").get(URL, MARCH).text


def _plan(client, therapist, status, *, start, review=None):
    return TreatmentPlan.objects.create(
        client=client,
        therapist=therapist,
        status=status,
        problem_summary="Low back pain",
        frequency="weekly",
        planned_sessions=6,
        start_date=start,
        review_date=review,
    )


@pytest.mark.django_db
def test_improvement_by_the_status_of_each_clients_latest_plan(client_as, cohort, therapist):
    clients = list(
        Client.objects.filter(
            treatment_plans__isnull=True, session_notes__therapist=therapist
        ).distinct()
    )
    for person in clients:
        # An older completed plan does not count: the latest one is active.
        _plan(person, therapist, TreatmentPlan.Status.COMPLETED, start=date(2025, 6, 1))
        _plan(person, therapist, TreatmentPlan.Status.ACTIVE, start=date(2026, 2, 1))
    table = next(
        t
        for t in client_as("owner").get(URL, MARCH).context["tables"]
        if t.slug == "improvement-plan"
    )
    rows = {row["cells"][0]: row for row in table.rows}
    assert rows["Active"]["cells"][1:3] == [10, 7]
    assert rows["No treatment plan"]["hidden"]  # Sam's three clients
    assert "Completed" not in rows


def _peg(client, value, day):
    Score.objects.create(
        client=client,
        instrument=Score.Instrument.PEG,
        value=value,
        recorded_at=datetime.combine(day, time(10), tzinfo=NY),
        context=Score.Context.PLAN_REVIEW,
    )


@pytest.fixture
def reviews(therapist, other_therapist):
    """Eleven of Dana's plans came to review in March; Sam's two did too (too few)."""
    start, review = date(2026, 1, 5), date(2026, 3, 10)
    # (baseline, at review): 7.0 -> 4.0 is -3 and meaningful; 5.0 -> 4.0 is not.
    pairs = [(7, 4)] * 6 + [(5, 4)] * 3 + [(4, 6), (6, 6)]
    for i, (baseline, after) in enumerate(pairs):
        person = factories.ClientFactory()
        status = TreatmentPlan.Status.COMPLETED if i in (1, 3) else TreatmentPlan.Status.ACTIVE
        _plan(person, therapist, status, start=start, review=review)
        _peg(person, 9, start - timedelta(days=30))  # superseded by the later baseline
        _peg(person, baseline, start + timedelta(days=2))  # within a week of the start
        _peg(person, 8, review - timedelta(days=20))  # mid-plan: neither
        _peg(person, after, review - timedelta(days=3))
        _peg(person, 1, review + timedelta(days=30))  # later than the review's first
    # No PEG at review: left out. A review still to come: left out.
    lost = factories.ClientFactory()
    _plan(lost, therapist, TreatmentPlan.Status.DISCONTINUED, start=start, review=review)
    _peg(lost, 7, start)
    later = factories.ClientFactory()
    _plan(later, therapist, TreatmentPlan.Status.ACTIVE, start=start, review=date(2026, 5, 1))
    _peg(later, 7, start)
    _peg(later, 2, date(2026, 3, 20))
    for _ in range(2):
        person = factories.ClientFactory()
        _plan(person, other_therapist, TreatmentPlan.Status.ACTIVE, start=start, review=review)
        _peg(person, 8, start)
        _peg(person, 2, review)


@pytest.mark.django_db
def test_peg_change_over_plans_that_reached_review(client_as, reviews):
    response = client_as("owner").get(URL, MARCH)
    tables = {t.slug: t for t in response.context["tables"]}
    changes = [Decimal(-3)] * 6 + [Decimal(-1)] * 3 + [Decimal(2), Decimal(0)]
    low, high = statistics.median_interval(changes)
    w_low, w_high = statistics.wilson_interval(6, 11)
    dana = {row["cells"][0]: row for row in tables["peg-therapist"].rows}
    assert dana["Dana Reyes"]["cells"] == [
        "Dana Reyes",
        11,
        Decimal("-3"),
        low,
        high,
        6,
        round(100 * 6 / 11, 1),
        round(100 * w_low, 1),
        round(100 * w_high, 1),
    ]
    assert dana["Sam Okafor"]["hidden"]
    assert tables["peg-overall"].rows[0]["cells"][:3] == ["All plans", 13, Decimal("-3")]
    by_status = {row["cells"][0]: row for row in tables["peg-status"].rows}
    assert by_status["Active"]["cells"][1] == 11  # nine of Dana's and Sam's two
    assert by_status["Completed"]["hidden"]  # two
    assert "Discontinued" not in by_status
    rows = read_csv(
        client_as("owner").get(URL, {**MARCH, "format": "csv", "table": "peg-therapist"})
    )
    assert rows == page_rows(response, "peg-therapist")


@pytest.mark.django_db
def test_a_therapist_sees_only_their_own_plans_reviews(client_as, reviews):
    tables = {t.slug: t for t in client_as("other_therapist").get(URL, MARCH).context["tables"]}
    assert [row["cells"] for row in tables["peg-therapist"].rows] == [["Sam Okafor"]]
    assert [row["cells"] for row in tables["peg-overall"].rows] == [["All plans"]]
