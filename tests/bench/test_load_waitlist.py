"""The load test's waitlist phase: its offers, its requests and its verdict."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from bench.harness import Session
from bench.load import (
    POOL_SIZE,
    WAITLIST_GET_EVERY,
    claim_lines,
    waitlist_offers,
    waitlist_ok,
    waitlist_outcome,
)
from bench.pages import BenchData
from practice.models import Appointment, WaitlistOffer
from tests import factories
from tests.practice.scheduling_world import works_every_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(location, therapist, other_therapist, settings):
    settings.RELIEF_WAITLIST_OFFERS_PER_TIME = 3
    service = factories.ServiceFactory(needs_room=False)
    for who in (therapist, other_therapist):
        who.services.add(service)
        works_every_day(who, location)
    return BenchData(
        today=timezone.localdate(),
        therapist_id=therapist.pk,
        client_id=None,
        service_id=service.pk,
        online_location_id=location.pk,
        online_service_id=service.pk,
    )


def _claim(client, token):
    return client.post(f"/my/offers/{token}/")


def test_each_freed_time_is_offered_to_clients_of_its_own(data):
    offers = waitlist_offers(data, times=2)
    assert len(offers.freed_ids) == 2
    assert len(offers.tokens) == 6
    made = WaitlistOffer.objects.filter(freed_id__in=offers.freed_ids)
    assert made.count() == 6
    assert made.values("entry__client").distinct().count() == 6
    assert made.values("freed_id").distinct().count() == 2


def test_every_offer_clicked_twice_books_each_freed_time_once(client, data):
    offers = waitlist_offers(data, times=2)
    for _ in range(2):
        for token in offers.tokens:
            assert _claim(client, token).status_code == 200
    outcome = waitlist_outcome(offers)
    assert outcome["times_booked_once"] == 2
    assert outcome["bookings_made"] == 2
    assert outcome["clients_booked_twice"] == 0
    assert waitlist_ok(outcome)


def test_a_freed_time_nobody_claimed_fails_the_verdict(client, data):
    offers = waitlist_offers(data, times=2)
    _claim(client, offers.tokens[0])  # an offer of the first freed time only
    outcome = waitlist_outcome(offers)
    assert outcome["times_booked_once"] == 1 and outcome["times_not_booked"] == 1
    assert not waitlist_ok(outcome)


def test_a_second_run_starts_from_its_own_offers_only(client, data):
    earlier = waitlist_offers(data, times=1)
    _claim(client, earlier.tokens[0])
    assert Appointment.objects.filter(client__email__endswith="waitlist.bench.invalid").exists()
    offers = waitlist_offers(data, times=1)
    assert not Appointment.objects.filter(client__email__endswith="waitlist.bench.invalid").exists()
    assert set(offers.tokens).isdisjoint(earlier.tokens)
    assert waitlist_outcome(offers)["bookings_made"] == 0


def test_claim_requests_cycle_through_every_offer_mostly_as_posts():
    from bench.load import Offers

    offers = Offers(tokens=("a" * 43, "b" * 43, "c" * 43), freed_ids=(1,))
    lines = [line.split("\t") for line in claim_lines(offers, Session("csrftoken=x", "x"))]
    assert len(lines) == POOL_SIZE
    assert {f[1] for f in lines} == {f"/my/offers/{t}/" for t in offers.tokens}
    gets = [f for f in lines if f[0] == "GET"]
    assert len(gets) == POOL_SIZE // WAITLIST_GET_EVERY
    assert all(f[2] == "csrftoken=x" and f[3] == "x" for f in lines)


def test_offers_lie_days_apart_so_no_entry_matches_two_freed_times(data):
    offers = waitlist_offers(data, times=3)
    starts = sorted(
        WaitlistOffer.objects.filter(freed_id__in=offers.freed_ids)
        .values_list("starts_at", flat=True)
        .distinct()
    )
    assert len(starts) == 3
    assert all(b - a >= timedelta(days=2) for a, b in pairwise(starts))
