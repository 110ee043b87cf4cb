from datetime import timedelta

import pytest
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
