"""Twenty desks booking the same time at once: exactly one wins (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from practice import services
from tests.factories import ClientFactory, RoomFactory, ServiceFactory, TherapistFactory
from tests.practice.scheduling_world import local_at, local_day, works_every_day

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 20


def race(attempts):
    """Run each attempt in its own thread and DB connection, all released at once."""
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, attempt):
        try:
            barrier.wait()
            outcomes[index] = attempt()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(n, attempt)) for n, attempt in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _booking(client, therapist, service, location, starts_at, room=None, booked_by=None):
    def attempt():
        return services.appointment_book(
            client=client,
            therapist=therapist,
            service=service,
            location=location,
            room=room,
            starts_at=starts_at,
            booked_by=booked_by,
        )

    return attempt


def _assert_one_winner(outcomes):
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, losers
    assert all(isinstance(o, services.AppointmentClash) for o in losers), losers
    return winners[0]


def test_overlapping_bookings_for_one_therapist_exactly_one_wins(location, therapist):
    service = ServiceFactory(needs_room=False)
    therapist.services.add(service)
    works_every_day(therapist, location)
    start = local_at(location, local_day(location, 4), 10)
    clients = [ClientFactory() for _ in range(THREADS)]
    attempts = [
        _booking(c, therapist, service, location, start + timedelta(minutes=n))
        for n, c in enumerate(clients)
    ]
    winner = _assert_one_winner(race(attempts))
    assert therapist.appointments.filter(status="booked").count() == 1
    assert winner.therapist == therapist


def test_overlapping_bookings_for_one_room_exactly_one_wins(location):
    service = ServiceFactory(needs_room=True)
    room = RoomFactory(location=location, name="Room 1")
    therapists = [TherapistFactory(services=[service]) for _ in range(THREADS)]
    for t in therapists:
        works_every_day(t, location)
    start = local_at(location, local_day(location, 4), 10)
    attempts = [
        _booking(ClientFactory(), t, service, location, start + timedelta(minutes=n), room=room)
        for n, t in enumerate(therapists)
    ]
    winner = _assert_one_winner(race(attempts))
    assert winner.room == room
    assert room.appointments.filter(status="booked").count() == 1
