"""Every report runs a fixed number of queries, however much data the period holds."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import OutcomeFigures
from tests import factories
from tests.reports.conftest import MARCH, at

REPORTS = [
    "reports:revenue",
    "reports:utilisation",
    "reports:attendance",
    "reports:outcomes",
    "reports:clients",
    "reports:recall",
]


def _fill(appointments, *, hour, therapist, other_therapist, location, book, pay, refund, session):
    for person in (therapist, other_therapist):
        factories.WorkingHoursFactory(
            therapist=person, location=location, weekday=0, start_time=time(8), end_time=time(20)
        )
        factories.TimeOffFactory(therapist=person, starts_at=at(9, 8), ends_at=at(9, 10))
    for i in range(appointments):
        person = therapist if i % 2 else other_therapist
        visit = book(person, when=at(2 + i, hour))
        payment = pay(visit, "90.00", when=visit.starts_at + timedelta(hours=1))
        refund(payment, "5.00", when=visit.starts_at + timedelta(hours=2))
        session(visit, before=7, after=4, techniques=["Myofascial release", "Swedish massage"])


def _count(http, name):
    # The outcomes page computes its figures when none are kept.
    OutcomeFigures.objects.all().delete()
    with CaptureQueriesContext(connection) as captured:
        for params in (MARCH, {**MARCH, "format": "csv"}):
            assert http.get(reverse(name), params).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("persona_name", ["owner", "therapist"])
@pytest.mark.parametrize("name", REPORTS)
def test_the_same_queries_for_2_and_20_appointments(
    client_as,
    django_assert_max_num_queries,
    persona_name,
    name,
    therapist,
    other_therapist,
    location,
    book,
    pay,
    refund,
    session,
):
    world = {
        "therapist": therapist,
        "other_therapist": other_therapist,
        "location": location,
        "book": book,
        "pay": pay,
        "refund": refund,
        "session": session,
    }
    http = client_as(persona_name)
    http.get(reverse(name), MARCH)  # warm the per-process caches (zones, content types)
    _fill(2, hour=9, **world)
    small = _count(http, name)
    _fill(18, hour=13, **world)
    with django_assert_max_num_queries(15):
        http.get(reverse(name), MARCH)
    assert _count(http, name) == small
