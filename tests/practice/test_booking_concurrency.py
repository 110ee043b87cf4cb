"""Twenty desks booking the same time at once: exactly one wins (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from practice import services
from practice.models import Location
from tests.factories import (
    ClientFactory,
    LocationFactory,
    RoomFactory,
    ServiceFactory,
    TherapistFactory,
)
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


def test_many_therapists_competing_for_the_last_free_room_get_a_room_or_a_clash(location):
    # The room is picked by the service (room=None): every desk races for the
    # last free one, the pattern that once ended in "deadlock detected".
    service = ServiceFactory(needs_room=True)
    RoomFactory(location=location, name="Room 1")
    therapists = [TherapistFactory(services=[service]) for _ in range(30)]
    for t in therapists:
        works_every_day(t, location)
    start = local_at(location, local_day(location, 4), 10)
    attempts = [_booking(ClientFactory(), t, service, location, start) for t in therapists]
    outcomes = race(attempts)
    winners = [o for o in outcomes if not isinstance(o, Exception)]
    assert len(winners) == 1
    # Every loser is a form error a desk can act on, never a database error.
    assert all(isinstance(o, ValidationError) for o in outcomes if isinstance(o, Exception)), [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, ValidationError)
    ]


def test_a_real_deadlock_is_retried_and_both_writes_land(location):
    # Two transactions take two row locks in opposite order: PostgreSQL kills
    # one of them with a deadlock error; the retry runs it again after the
    # other commits.
    first, second = location, LocationFactory(name="Relief Uptown")
    both_hold_one = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}

    def write(name, order):
        def run():
            attempts[name] += 1
            with transaction.atomic():
                Location.objects.select_for_update().get(pk=order[0].pk)
                if attempts[name] == 1:
                    both_hold_one.wait(timeout=10)
                Location.objects.select_for_update().get(pk=order[1].pk)
                Location.objects.filter(pk=order[0].pk).update(address=f"written by {name}")
            return name

        return lambda: services.run_retrying_conflicts(run)

    outcomes = race([write("a", (first, second)), write("b", (second, first))])
    assert sorted(outcomes) == ["a", "b"]
    assert sorted(attempts.values()) == [1, 2]


def test_a_deadlock_that_keeps_happening_ends_as_a_clash_message(db, monkeypatch):
    from django.db import OperationalError

    class Deadlock(Exception):
        pgcode = "40P01"

    def deadlocked():
        raise OperationalError("deadlock detected") from Deadlock()

    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    with pytest.raises(ValidationError, match="Someone else booked at that time"):
        services.run_retrying_conflicts(deadlocked)
