"""The picker's "any therapist" search and the booking POST run as many queries
for a chain (100 therapists at four locations, four time zones, rooms at each)
as for one location of 25, within the staff pages' budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse

from practice import selectors
from practice.models import Room
from tests.factories import ClientFactory, LocationFactory, ServiceFactory
from tests.practice.scheduling_world import local_day
from tests.practice.test_query_counts import BUDGET, count, grow

pytestmark = pytest.mark.django_db

OTHER_ZONES = ("America/Chicago", "America/Denver", "America/Los_Angeles")


@pytest.fixture
def chain(location, sessions_as_deployed):
    service = ServiceFactory(needs_room=True)
    day = local_day(location, 1)

    def open_location(place):
        Room.objects.bulk_create(Room(location=place, name=f"Room {n}") for n in range(6))
        grow(place, service, therapists=25, per_day=6, days=14, first_day=day)

    open_location(location)
    return service, day, open_location


def _picker(http, service, day):
    def get():
        response = http.get(
            reverse("practice:book_slots"), {"service": service.pk, "date": day.isoformat()}
        )
        assert response.status_code == 200 and b'name="slot"' in response.content

    return get


def _booking(http, service, day, client):
    """Book the first free time the picker offers now; the POST's query count."""

    def send():
        slots, _ = selectors.available_slots(service=service, first_day=day + timedelta(days=3))
        body = {
            "client": str(client.pk),
            "service": service.pk,
            "therapist": "",
            "date": day.isoformat(),
            "slot": slots[0].value,
            "repeat_weeks": "0",
            "occurrences": "6",
        }
        responses = []
        queries = count(lambda: responses.append(http.post(reverse("practice:book"), body)))
        assert responses[0].status_code == 302
        return queries

    return send


def test_picker_and_booking_queries_are_the_same_for_a_chain(client_as, chain, location):
    service, day, open_location = chain
    http = client_as("front_desk")
    client = ClientFactory()
    picker, book = _picker(http, service, day), _booking(http, service, day, client)
    picker()  # warm the per-process caches
    book()
    one_location = count(picker), book()

    for zone in OTHER_ZONES:
        open_location(LocationFactory(time_zone=zone))
    picker()  # the desk now has a location to search: the first, as before
    chain_size = count(picker), book()

    clash_check = int(connection.vendor != "postgresql")
    assert chain_size == one_location
    assert one_location[0] <= BUDGET
    assert one_location[1] <= BUDGET + clash_check
