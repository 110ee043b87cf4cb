"""Fifty claims at once on PostgreSQL, each thread with its own connection: one booking."""

import pytest

from practice import services as practice_services
from practice.models import Appointment, WaitlistEntry, WaitlistOffer
from practice.waitlist import services
from tests import factories
from tests.practice.test_booking_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CLAIMS = 50


def _claim(offer):
    return lambda: services.offer_claim(offer=offer).outcome


def test_fifty_claims_of_one_offer_book_it_once(world, wait):
    entry = wait()
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    services.waitlist_process()
    offer = WaitlistOffer.objects.get(entry=entry)

    outcomes = race([_claim(offer) for _ in range(CLAIMS)])

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes.count(services.BOOKED) == 1
    assert outcomes.count(services.ALREADY_BOOKED) == CLAIMS - 1
    booked = Appointment.objects.active().filter(starts_at=world["booked"].starts_at)
    assert booked.count() == 1
    assert booked.get().client == entry.client
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED


def test_fifty_clients_claiming_the_same_time_one_books_the_rest_hear_just_taken(
    world, wait, settings
):
    settings.RELIEF_WAITLIST_OFFERS_PER_TIME = CLAIMS
    entries = [wait(client=factories.ClientFactory()) for _ in range(CLAIMS)]
    practice_services.appointment_cancel(appointment=world["booked"], by=None)
    services.waitlist_process()
    offers = list(WaitlistOffer.objects.filter(starts_at=world["booked"].starts_at))
    assert len(offers) == CLAIMS

    outcomes = race([_claim(offer) for offer in offers])

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes.count(services.BOOKED) == 1
    assert outcomes.count(services.TAKEN) == CLAIMS - 1
    assert Appointment.objects.active().filter(starts_at=world["booked"].starts_at).count() == 1
    statuses = sorted(
        WaitlistEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list(
            "status", flat=True
        )
    )
    # The other forty-nine are still on the list.
    assert statuses.count(WaitlistEntry.Status.BOOKED) == 1
    assert statuses.count(WaitlistEntry.Status.WAITING) == CLAIMS - 1
