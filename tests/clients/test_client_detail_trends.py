from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clients.models import Score
from clients.selectors import score_trends
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_pain_trend_leaves_out_post_session_scores():
    client = ClientFactory()
    start = timezone.now() - timedelta(days=30)
    for day, context, value in [
        (0, Score.Context.PRE_SESSION, 7),
        (0, Score.Context.POST_SESSION, 4),
        (7, Score.Context.PRE_SESSION, 6),
        (7, Score.Context.POST_SESSION, 3),
    ]:
        Score.objects.create(
            client=client,
            instrument=Score.Instrument.PAIN_NRS,
            value=value,
            context=context,
            recorded_at=start + timedelta(days=day, minutes=60 if context == "post_session" else 0),
        )
    (pain,) = [t for t in score_trends(client) if t["instrument"] == Score.Instrument.PAIN_NRS]
    assert [float(p.value) for p in pain["points"]] == [7.0, 6.0]
    assert pain["change"].change == -1


def test_chart_plots_the_last_year_but_change_counts_from_the_very_first_score():
    client = ClientFactory()
    now = timezone.now()
    for days_ago, value in [(900, 8), (600, 7), (200, 5), (10, 4)]:
        Score.objects.create(
            client=client,
            instrument=Score.Instrument.PAIN_NRS,
            value=value,
            context=Score.Context.PRE_SESSION,
            recorded_at=now - timedelta(days=days_ago),
        )
    (pain,) = score_trends(client, now=now)
    assert [float(p.value) for p in pain["points"]] == [5.0, 4.0]
    assert float(pain["latest"].value) == 4.0
    assert pain["change"].change == -4
    assert pain["change"].meaningful


def test_an_old_single_score_still_shows_as_latest():
    client = ClientFactory()
    Score.objects.create(
        client=client,
        instrument=Score.Instrument.STRESS,
        value=6,
        context=Score.Context.INTAKE,
        recorded_at=timezone.now() - timedelta(days=800),
    )
    (stress,) = score_trends(client)
    assert float(stress["latest"].value) == 6.0
    assert stress["change"] is None
    assert len(stress["points"]) == 1


@pytest.mark.parametrize("visits", [1, 40])
def test_trends_cost_one_query_however_long_the_history(django_assert_num_queries, visits):
    client = ClientFactory()
    now = timezone.now()
    Score.objects.bulk_create(
        Score(
            client=client,
            instrument=instrument,
            value=visits % 10,
            context=Score.Context.PRE_SESSION,
            recorded_at=now - timedelta(days=30 * n),
        )
        for n in range(visits)
        for instrument in (Score.Instrument.PAIN_NRS, Score.Instrument.STRESS)
    )
    # Two where the ORM answers (SQLite): the weekly averages, then the ends.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        trends = score_trends(client, now=now)
    assert [t["instrument"] for t in trends] == ["pain_nrs", "stress"]
